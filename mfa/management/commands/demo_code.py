"""Print a demo user's current two-step sign-in code, so the demo needs no authenticator app.

    python manage.py demo_code frontdesk

Only with DEBUG on, and only for the demo devices `manage.py seed_demo` gives the demo staff users.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mfa.services import demo_code


class Command(BaseCommand):
    help = "Print the current two-step sign-in code of a demo staff user (DEBUG on only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="A demo staff user: frontdesk, billing, manager or provider.")

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("DEBUG is off: there are no demo codes.")
        user = User.objects.filter(username=str(options["username"])).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        code = demo_code(user=user)
        if code is None:
            raise CommandError(f"{user.get_username()} has no demo authenticator (run manage.py seed_demo).")
        self.stdout.write(code)
