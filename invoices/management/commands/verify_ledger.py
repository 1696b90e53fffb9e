from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoices.models import Invoice
from invoices.services import ledger_verify


class Command(BaseCommand):
    help = "Prove that every issued invoice's balance equals the sum of its ledger entries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--invoice", type=int, action="append", help="Check only this invoice id.")

    def handle(self, *args: object, **options: object) -> None:
        invoice_ids = options.get("invoice")
        problems = ledger_verify(invoice_ids=invoice_ids)  # type: ignore[arg-type]
        checked = len(invoice_ids) if invoice_ids else Invoice.objects.issued().count()  # type: ignore[arg-type]
        for problem in problems:
            self.stderr.write(f"invoice id={problem.invoice_id}: {problem.message}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} invoice(s).")
        self.stdout.write(self.style.SUCCESS(f"Ledger verified: {checked} invoice(s), no differences."))
