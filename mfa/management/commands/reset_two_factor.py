"""Reset a staff member's (or patient's) two-step sign-in after they lost their phone and recovery codes.

    python manage.py reset_two_factor bjorn_billing --actor mona_manager

Deletes their authenticator app and recovery codes (audited); they set up a new app at their next sign-in.
"""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mfa.services import two_factor_reset


class Command(BaseCommand):
    help = "Reset a user's two-step sign-in: they set up a new authenticator app at their next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="User name of the person who lost their phone.")
        parser.add_argument("--actor", help="User name of the office manager who asked for the reset (audited).")

    def handle(self, *args: object, **options: object) -> None:
        user = User.objects.filter(username=str(options["username"])).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=str(options["actor"])).first()
            if actor is None:
                raise CommandError(f"No user named {options['actor']!r}.")
        deleted = two_factor_reset(user=user, actor=actor)
        self.stdout.write(f"Two-step sign-in of {user.get_username()} is reset ({deleted} app device(s) removed).")
