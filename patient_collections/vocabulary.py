"""The words of collections defined once: the kinds of notice a reminder schedule sends, and fee codes in words.

Pure (an enumeration only), so the reminder schedule (schedule.py) imports it as the models do.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class NoticeType(TextChoices):
    REMINDER = "reminder", _("Reminder")
    FINAL_NOTICE = "final_notice", _("Final notice")
    STATEMENT = "statement", _("Statement")


# The fee codes the schedule knows (schedule.INKASSOSATS and schedule.DERIVED_FEES) in words for the screens; a
# code an office manager adds as a rate of its own shows as itself.
FEE_CODE_LABELS = {
    "inkassosats": _("Debt collection rate (inkassosats)"),
    "NO_REMINDER": _("Reminder fee (1/20 of the inkassosats)"),
    "NO_PAYMENT_DEMAND": _("Payment demand fee (3/20 of the inkassosats)"),
}


def fee_code_label(code: str) -> str:
    """A fee code in words (the code itself when the schedule does not know it)."""
    return str(FEE_CODE_LABELS.get(code, code))
