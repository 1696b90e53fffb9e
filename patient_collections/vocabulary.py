"""The words of collections defined once: the kinds of notice a reminder schedule sends.

Pure (an enumeration only), so the reminder schedule (schedule.py) imports it as the models do.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class NoticeType(TextChoices):
    REMINDER = "reminder", _("Reminder")
    FINAL_NOTICE = "final_notice", _("Final notice")
    STATEMENT = "statement", _("Statement")
