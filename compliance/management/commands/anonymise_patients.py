"""Anonymise patients whose accounts are settled and whose last activity is older than the retention.

    python manage.py anonymise_patients --dry-run
    python manage.py anonymise_patients --years 10 --actor mona_manager

Prints how many patients and their ids, never names. Invoices, lines and ledger entries are kept as they
are (bokføringsloven); see docs/data-protection.md. Safe to run again: anonymised patients are skipped.
"""

from contextlib import nullcontext
from datetime import date

from auditlog.context import set_actor
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic_billing.exceptions import ApplicationError
from compliance.anonymisation import patients_anonymise
from compliance.data_protection import RETENTION_YEARS, data_protection_actor


class Command(BaseCommand):
    help = "Anonymise settled patients past the retention period (invoices and the ledger stay intact)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--years",
            type=int,
            default=RETENTION_YEARS,
            help=f"Retention in years after the last activity (default {RETENTION_YEARS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List who would be anonymised; change nothing.")
        parser.add_argument("--today", type=date.fromisoformat, help="Count the retention from this date (YYYY-MM-DD).")
        parser.add_argument("--actor", help="Username of the office manager who ordered the run (audited).")

    def handle(self, *args: object, **options: object) -> None:
        years = int(str(options["years"]))
        if years < 1:
            raise CommandError("--years must be at least 1.")
        try:
            actor = data_protection_actor(username=str(options["actor"])) if options["actor"] else None
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        today = options["today"]
        with set_actor(actor) if actor else nullcontext():
            ids = patients_anonymise(
                older_than_years=years,
                today=today if isinstance(today, date) else None,
                dry_run=bool(options["dry_run"]),
            )
        verb = "Would anonymise" if options["dry_run"] else "Anonymised"
        listed = ", ".join(str(pk) for pk in ids) or "none"
        self.stdout.write(f"{verb} {len(ids)} patient(s) not active for {years} years: {listed}")
