"""A patient's statement of account over a period: what they owed at its start, every movement in it (charges,
payments, credits, refunds, credit moved between their invoices), what they owe at its end, and the open
invoices and credits that make up that figure. Reads only; four queries whatever the history's length.

The figures add up by construction: the closing balance is the opening balance plus every movement, and it is
also the sum of the balances of the open invoices and credits at the end of the period.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic_billing.exceptions import ApplicationError

from .models import Invoice, LedgerEntry
from .money import CENT, ZERO

Kind = LedgerEntry.Kind

# The statement's groups of movements, in the order it prints them; a reversal counts in its original's group.
GROUP_OF_KIND: dict[str, str] = {
    Kind.CHARGE: "charges",
    Kind.REMINDER_FEE: "charges",
    Kind.PATIENT_PAYMENT: "payments",
    Kind.INSURANCE_PAYMENT: "payments",
    Kind.CREDIT_NOTE: "credits",
    Kind.REDUCTION: "credits",
    Kind.WRITE_OFF: "credits",
    Kind.SMALL_CLAIM_CREDIT: "credits",
    Kind.REFUND: "refunds",
    Kind.CREDIT_TRANSFER_OUT: "transfers",
    Kind.CREDIT_TRANSFER_IN: "transfers",
}
GROUP_LABELS = {
    "charges": gettext_lazy("Charges and fees"),
    "payments": gettext_lazy("Payments"),
    "credits": gettext_lazy("Credits and reductions"),
    "refunds": gettext_lazy("Refunds paid to you"),
    "transfers": gettext_lazy("Credit moved between your invoices"),
}
# The longest period one statement covers: a statement is a letter, not an export of the whole ledger.
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class StatementRow:
    posted_on: date
    invoice_number: str
    kind: str
    reversal: bool
    reference: str
    amount: Decimal
    balance: Decimal  # the account's running balance after this movement

    @property
    def label(self) -> str:
        label = str(Kind(self.kind).label)
        return _("%(kind)s (reversed)") % {"kind": label} if self.reversal else label


@dataclass(frozen=True)
class StatementInvoice:
    invoice: Invoice
    balance: Decimal  # at the end of the period
    expected_from_insurer: Decimal  # what the insurer is still expected to pay on it now


@dataclass(frozen=True)
class StatementGroup:
    key: str
    total: Decimal

    @property
    def label(self) -> str:
        return str(GROUP_LABELS[self.key])


@dataclass(frozen=True)
class Statement:
    patient_id: int
    start: date
    end: date
    opening_balance: Decimal
    rows: Sequence[StatementRow]
    groups: Sequence[StatementGroup]
    open_invoices: Sequence[StatementInvoice]
    credits: Sequence[StatementInvoice]
    shows_insurer: bool = field(default=False)

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + sum((group.total for group in self.groups), ZERO)

    @property
    def open_total(self) -> Decimal:
        return sum((item.balance for item in self.open_invoices), ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum((item.balance for item in self.credits), ZERO)

    @property
    def expected_from_insurer(self) -> Decimal:
        return sum((item.expected_from_insurer for item in self.open_invoices), ZERO)

    @property
    def patient_owes(self) -> Decimal:
        """The closing balance less what the insurer is still expected to pay (negative: in the patient's favour)."""
        return self.closing_balance - self.expected_from_insurer


def statement_period(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The period asked for, defaulting to the year up to today; refused when it ends after today, is backwards
    or is too long."""
    end = end or today
    if end > today:
        raise ApplicationError(_("A statement cannot end after today."), field="to")
    start = start or end - timedelta(days=365)
    if start > end:
        raise ApplicationError(_("The statement's start date must not be after its end date."), field="from")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ApplicationError(_("A statement covers at most three years; choose a shorter period."), field="from")
    return start, end


def statement_period_asked(params: Mapping[str, str]) -> tuple[date | None, date | None]:
    """The `from` and `to` dates of a query string (ISO 8601, each optional); ApplicationError naming the field
    that is not a date."""
    days: list[date | None] = []
    for name in ("from", "to"):
        text = (params.get(name) or "").strip()
        try:
            days.append(date.fromisoformat(text) if text else None)
        except ValueError as exc:
            raise ApplicationError(_("Give the date as YYYY-MM-DD."), field=name) from exc
    return days[0], days[1]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _cents(value: object) -> Decimal:
    # SQLite sums decimals as floats; quantising to cents restores the exact value (PostgreSQL is exact).
    return Decimal(value or 0).quantize(CENT)  # type: ignore[arg-type]


def patient_statement(*, patient_id: int, start: date, end: date, today: date) -> Statement:
    """The statement of one patient's issued invoices from `start` to `end` (both included): 3 queries."""
    period_start, after_end = _start_of(start), _start_of(end + timedelta(days=1))
    entries = LedgerEntry.objects.filter(invoice__patient_id=patient_id, invoice__status__in=Invoice.BOOKED_STATUSES)
    sums = {
        row["invoice_id"]: (_cents(row["before"]), _cents(row["through_end"]))
        for row in entries.filter(posted_at__lt=after_end)
        .values("invoice_id")
        .annotate(
            before=Sum("amount", filter=Q(posted_at__lt=period_start)),
            through_end=Sum("amount"),
        )
        .order_by()
    }
    opening = sum((before for before, _end in sums.values()), ZERO)
    movements = entries.filter(posted_at__gte=period_start, posted_at__lt=after_end).select_related(
        "invoice", "reverses"
    )
    rows: list[StatementRow] = []
    totals = dict.fromkeys(GROUP_LABELS, ZERO)
    running = opening
    for entry in movements.order_by("posted_at", "id"):
        reversal = entry.kind == Kind.REVERSAL and entry.reverses is not None
        kind = entry.reverses.kind if reversal and entry.reverses is not None else entry.kind
        running += entry.amount
        totals[GROUP_OF_KIND[kind]] += entry.amount
        rows.append(
            StatementRow(
                posted_on=timezone.localdate(entry.posted_at),
                invoice_number=str(entry.invoice.number),
                kind=kind,
                reversal=reversal,
                reference=entry.reference,
                amount=entry.amount,
                balance=running,
            )
        )
    shows_insurer = end >= today
    open_invoices: list[StatementInvoice] = []
    credits: list[StatementInvoice] = []
    with_balance = [pk for pk, (_before, at_end) in sums.items() if at_end != 0]
    for invoice in Invoice.objects.filter(pk__in=with_balance).order_by("due_date", "id"):
        balance = sums[invoice.pk][1]
        insurer = min(invoice.third_party_outstanding, balance) if shows_insurer and balance > 0 else ZERO
        item = StatementInvoice(invoice=invoice, balance=balance, expected_from_insurer=insurer)
        (open_invoices if balance > 0 else credits).append(item)
    return Statement(
        patient_id=patient_id,
        start=start,
        end=end,
        opening_balance=opening,
        rows=rows,
        groups=[StatementGroup(key, total) for key, total in totals.items()],
        open_invoices=open_invoices,
        credits=credits,
        shows_insurer=shows_insurer,
    )
