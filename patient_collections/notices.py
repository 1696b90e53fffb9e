"""The words of a notice, in the patient's language: what the claim is for, the amount, the deadline, how to pay.

A notice states the principal, the earlier fees and its own fee separately (inkassoloven § 9 for the
inkassovarsel; every notice does the same). A notice about a missed instalment names the instalment and the
plan and asks for that instalment only, never the whole balance.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from invoices.line_kinds import bill_title
from invoices.models import Invoice, LedgerEntry
from invoices.selectors import invoice_shares
from invoices.shares import BillShares

from .models import Instalment, NoticeType, Reminder

# Instalment notices use steps from 100 on (services.INSTALMENT_STEPS), so they never collide with the schedule.
INSTALMENT_STEPS = 100
ZERO = Decimal("0.00")
FEE_ENTRIES = Q(kind=LedgerEntry.Kind.REMINDER_FEE) | Q(
    kind=LedgerEntry.Kind.REVERSAL, reverses__kind=LedgerEntry.Kind.REMINDER_FEE
)


@dataclass(frozen=True)
class NoticeText:
    subject: str
    body: str


@dataclass(frozen=True)
class ClaimBreakdown:
    """What a notice asks for, in parts: the claim itself, fees of earlier notices, and this notice's fee."""

    principal: Decimal
    earlier_fees: Decimal
    this_fee: Decimal

    @property
    def owed_before_fee(self) -> Decimal:
        return self.principal + self.earlier_fees

    @property
    def total(self) -> Decimal:
        return self.principal + self.earlier_fees + self.this_fee


def claim_breakdown(*, owed_before_fee: Decimal, earlier_fees_charged: Decimal, this_fee: Decimal) -> ClaimBreakdown:
    """Split what is owed before this notice's fee into principal and earlier fees.

    A payment counts against the principal first, so the fees stay visible as fees until the claim itself is
    paid: the earlier fees shown are the fees charged, but never more than what is still owed.
    """
    owed = max(owed_before_fee, ZERO)
    earlier = min(max(earlier_fees_charged, ZERO), owed)
    return ClaimBreakdown(principal=owed - earlier, earlier_fees=earlier, this_fee=this_fee)


def claim_explained(shares: BillShares, breakdown: ClaimBreakdown) -> dict[str, object]:
    """How the principal is made up, for a notice to print above it: the bill's rows before the fees
    (invoices.shares: the total, the third parties' shares, what they did not pay, the patient's payments).

    Empty when the principal is the bill's total (nothing to explain) or when a payment met the fees before the
    claim, so that the rows would not end at the principal printed below them.
    """
    rows = shares.claim_rows()
    if len(rows) < 2 or shares.claim != breakdown.principal:
        return {"claim_rows": ()}
    return {"claim_rows": rows}


def fees_charged(invoice_id: int) -> Decimal:
    """Reminder fees posted on an invoice, less their reversals (one query)."""
    total = LedgerEntry.objects.filter(FEE_ENTRIES, invoice_id=invoice_id).aggregate(total=Sum("amount"))["total"]
    return Decimal(total or ZERO)


def missed_instalment(reminder: Reminder) -> Instalment | None:
    """The instalment an instalment notice is about, with its plan (one query); None for a schedule notice."""
    if reminder.step < INSTALMENT_STEPS:
        return None
    return (
        Instalment.objects.filter(plan__invoice_id=reminder.invoice_id, number=reminder.step - INSTALMENT_STEPS)
        .select_related("plan")
        .order_by("-plan__created_at", "-plan_id")
        .first()
    )


def instalment_context(instalment: Instalment) -> dict[str, object]:
    plan = instalment.plan
    instalments = list(plan.instalments.order_by("number"))
    return {
        "instalment": instalment,
        "plan": plan,
        "plan_count": len(instalments),
        "plan_left": sum((i.amount for i in instalments if i.status != Instalment.Status.PAID), ZERO),
    }


def notice_subject(reminder: Reminder, invoice: Invoice, bill: str = "") -> str:
    """The notice's subject (a letter's title) in the active language, ending with the bill's title (`bill`,
    invoices.line_kinds.bill_title) so that the subject says what the claim is for; no query."""
    if reminder.step >= INSTALMENT_STEPS:
        return _("Missed instalment: invoice %(number)s") % {"number": invoice.number}
    subjects = {
        NoticeType.REMINDER: _("Payment reminder: invoice %(number)s"),
        NoticeType.FINAL_NOTICE: _("Final notice: invoice %(number)s"),
        NoticeType.STATEMENT: _("Statement: invoice %(number)s"),
    }
    subject = subjects[NoticeType(reminder.notice_type)] % {"number": invoice.number}
    if reminder.notice_type == NoticeType.FINAL_NOTICE and settings.BILLING_JURISDICTION == "NO":
        subject = f"Varsel om inkasso — {subject}"
    return f"{subject} — {bill}" if bill else subject


def notice_text(reminder: Reminder, invoice: Invoice, amount_due: Decimal) -> NoticeText:
    """`amount_due` is what the patient owed before this notice's fee."""
    patient = invoice.patient
    instalment = missed_instalment(reminder)
    lines = list(invoice.lines.all())
    with translation.override(patient.language):
        title = bill_title(lines, invoice.service_date)
        subject = notice_subject(reminder, invoice, title)
        if instalment is not None:
            body = render_to_string(
                "notices/instalment.txt",
                {
                    "patient": patient,
                    "invoice": invoice,
                    "reminder": reminder,
                    "CLINIC": settings.CLINIC,
                    **instalment_context(instalment),
                },
            )
            return NoticeText(subject=subject, body=body)
        # This notice's own fee is left out of the earlier fees whether or not it is posted yet.
        posted_own_fee = reminder.fee if reminder.fee_entry_id else ZERO
        breakdown = claim_breakdown(
            owed_before_fee=amount_due,
            earlier_fees_charged=fees_charged(invoice.pk) - posted_own_fee,
            this_fee=reminder.fee,
        )
        body = render_to_string(
            "notices/reminder.txt",
            {
                **claim_explained(invoice_shares(invoice, lines=lines), breakdown),
                "patient": patient,
                "invoice": invoice,
                "bill_title": title,
                "lines": lines,
                "reminder": reminder,
                "amount_due": amount_due,
                "breakdown": breakdown,
                "total_to_pay": breakdown.total,
                "jurisdiction": settings.BILLING_JURISDICTION,
                "CLINIC": settings.CLINIC,
            },
        )
    return NoticeText(subject=subject, body=body)
