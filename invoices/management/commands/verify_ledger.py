from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoices.models import Invoice
from invoices.services import ledger_verify, owed_sums_verify


class Command(BaseCommand):
    help = (
        "Prove that every issued invoice's balance equals the sum of its ledger entries, and (checking every "
        "invoice) that what is kept owed per due date and per patient equals a fresh sum of the invoices."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--invoice", type=int, action="append", help="Check only this invoice id.")

    def handle(self, *args: object, **options: object) -> None:
        invoice_ids = options.get("invoice")
        problems = ledger_verify(invoice_ids=invoice_ids)  # type: ignore[arg-type]
        checked = len(invoice_ids) if invoice_ids else Invoice.objects.issued().count()  # type: ignore[arg-type]
        for problem in problems:
            self.stderr.write(f"invoice id={problem.invoice_id}: {problem.message}")
        owed_differences = [] if invoice_ids else owed_sums_verify()
        for difference in owed_differences:
            self.stderr.write(difference)
        if problems or owed_differences:
            raise CommandError(f"{len(problems) + len(owed_differences)} problem(s) in {checked} invoice(s).")
        self.stdout.write(self.style.SUCCESS(f"Ledger verified: {checked} invoice(s), no differences."))
