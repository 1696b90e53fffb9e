"""`manage.py seed_scale --invoices N [--seed S] [--force]`: the benchmark's data set (bench/seed_scale/)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bench.seed_scale import scale_seed


class Command(BaseCommand):
    help = "Create a large realistic data set quickly with bulk inserts (benchmarks; refuses with DEBUG off)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--invoices", type=int, required=True, help="How many invoices to create.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the same seed gives the same data).")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args: object, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: this fills the database with made-up patients. Use --force.")
        count = options["invoices"]
        if count < 10:
            raise CommandError("Ask for at least 10 invoices.")
        started = timezone.now()
        written = scale_seed(invoices=count, seed=options["seed"])
        seconds = (timezone.now() - started).total_seconds()
        summary = ", ".join(f"{n} {name}" for name, n in written.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded in {seconds:.1f} s: {summary}."))
