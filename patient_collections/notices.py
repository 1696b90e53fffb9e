"""The words of a notice, in the patient's language: what the claim is for, the amount, the deadline, how to pay."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from invoices.models import Invoice

from .models import NoticeType, Reminder


@dataclass(frozen=True)
class NoticeText:
    subject: str
    body: str


def notice_text(reminder: Reminder, invoice: Invoice, amount_due: Decimal) -> NoticeText:
    """`amount_due` is what the patient owed before this notice's fee."""
    patient = invoice.patient
    with translation.override(patient.language):
        subjects = {
            NoticeType.REMINDER: _("Payment reminder: invoice %(number)s"),
            NoticeType.FINAL_NOTICE: _("Final notice: invoice %(number)s"),
            NoticeType.STATEMENT: _("Statement: invoice %(number)s"),
        }
        subject = subjects[NoticeType(reminder.notice_type)] % {"number": invoice.number}
        if reminder.notice_type == NoticeType.FINAL_NOTICE and settings.BILLING_JURISDICTION == "NO":
            subject = f"Varsel om inkasso — {subject}"
        body = render_to_string(
            "notices/reminder.txt",
            {
                "patient": patient,
                "invoice": invoice,
                "lines": invoice.lines.all(),
                "reminder": reminder,
                "amount_due": amount_due,
                "total_to_pay": amount_due + reminder.fee,
                "jurisdiction": settings.BILLING_JURISDICTION,
                "CLINIC": settings.CLINIC,
            },
        )
    return NoticeText(subject=subject, body=body)
