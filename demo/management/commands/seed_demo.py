"""`manage.py seed_demo [--force]`: the demo data of demo/demo_data.toml (demo/seeding.py creates it)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seeding import demo_seed


class Command(BaseCommand):
    help = "Create demo staff users, patients and invoices (idempotent; refuses to run with DEBUG off)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: demo users with the password 'demo' would be created. Use --force.")
        seeded = demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {seeded.users} users, {seeded.patients} patients "
                f"({seeded.new_patients} new), {seeded.new_invoices} new invoice(s), {seeded.new_complaints} new "
                "complaint(s). Password for every user: demo."
            )
        )
        if seeded.bank_files:
            names = ", ".join(os.path.relpath(path, settings.BASE_DIR) for path in seeded.bank_files)
            self.stdout.write(f"Demo bank files to import as billing (Bank files → Import): {names}")
