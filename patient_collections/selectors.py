"""Reads for collections: the aging report of what patients owe, by how long it has been overdue; the calls
worklist and the notices whose outcome is unknown; the arrangement that holds an invoice, the invoices
collections leave alone today, and what the patient paid towards an invoice.

The aging report reads what is owed per due date and per patient, which the database keeps in the transaction
of every change to an invoice (invoices.models.OwedByDueDate, OwedByPatient), and splits only the invoices of
the patients it shows into buckets: two queries, and a cost that does not grow with the number of invoices.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Func, Max, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic_billing.csv_safety import spreadsheet_writer
from invoices.models import Invoice, LedgerEntry, OwedByDueDate, OwedByPatient
from invoices.money import CENT, ZERO

from . import collection_state
from .models import Deferral, FollowUpCall, Instalment, PaymentPlan, PaymentPromise, PortalMessage, Reminder

AGING_ROW_LIMIT = 200


@dataclass(frozen=True)
class AgingBucket:
    key: str
    label: str | Promise
    # Days past due, inclusive; None is open-ended. "Current" is not yet past due (0 days or earlier).
    first_day: int | None
    last_day: int | None

    def due_dates(self, today: date) -> Q:
        """The bucket as a condition on `due_date`, where days past due = today - due_date."""
        condition = Q()
        if self.first_day is not None:
            condition &= Q(due_date__lte=today - timedelta(days=self.first_day))
        if self.last_day is not None:
            condition &= Q(due_date__gte=today - timedelta(days=self.last_day))
        return condition


AGING_BUCKETS: tuple[AgingBucket, ...] = (
    AgingBucket("current", gettext_lazy("Current (not yet due)"), None, 0),
    AgingBucket("days_1_30", gettext_lazy("1–30 days"), 1, 30),
    AgingBucket("days_31_60", gettext_lazy("31–60 days"), 31, 60),
    AgingBucket("days_61_90", gettext_lazy("61–90 days"), 61, 90),
    AgingBucket("days_91_120", gettext_lazy("91–120 days"), 91, 120),
    AgingBucket("over_120", gettext_lazy("Over 120 days"), 121, None),
)


@dataclass(frozen=True)
class AgingRow:
    patient_id: int
    name: str
    amounts: tuple[Decimal, ...]  # one per AGING_BUCKETS entry, in that order
    total: Decimal


@dataclass(frozen=True)
class AgingReport:
    today: date
    totals: tuple[Decimal, ...]  # per bucket, over every patient (not only the rows shown)
    counts: tuple[int, ...]  # invoices per bucket
    total: Decimal
    invoice_count: int
    patient_count: int
    rows: tuple[AgingRow, ...]  # the patients who owe most, at most AGING_ROW_LIMIT

    @property
    def truncated(self) -> bool:
        return self.patient_count > len(self.rows)

    @property
    def buckets(self) -> list[tuple[AgingBucket, Decimal, int]]:
        """(bucket, total, invoice count) for templates."""
        return list(zip(AGING_BUCKETS, self.totals, self.counts, strict=True))


def _money(value: Decimal | float | int | None) -> Decimal:
    """SQLite sums decimals as floats: quantise every sum to cents once, here."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def _cents(value: int | None) -> Decimal:
    return ZERO if value is None else (Decimal(value) / 100).quantize(CENT)


def aging_report(*, today: date, limit: int = AGING_ROW_LIMIT) -> AgingReport:
    """What patients owe on issued invoices, bucketed by days past due on `today`.

    Queries: the totals and counts per bucket, from what is owed per due date (OwedByDueDate, a row a day,
    kept by the database in the transaction of every change to an invoice) with the number of patients who
    owe (OwedByPatient's rows); and the rows of the patients who owe most — chosen on OwedByPatient's index,
    their invoices then split into buckets — ordered by what they owe (largest first, then name). Two queries,
    and neither reads every owed invoice: the cost follows the days and the rows shown, not the invoices.
    """
    conditions = {bucket.key: bucket.due_dates(today) for bucket in AGING_BUCKETS}
    # The number of patients who owe rides along as an aggregate of its (uncorrelated, once-run) subquery.
    owing_patients = OwedByPatient.objects.order_by().values(count=Func(Value(1), function="COUNT"))
    totals = OwedByDueDate.objects.aggregate(
        patient_count=Max(Subquery(owing_patients)),
        total=Sum("owed_cents"),
        invoices=Sum("invoice_count"),
        **{f"sum_{key}": Sum("owed_cents", filter=condition) for key, condition in conditions.items()},
        **{f"count_{key}": Sum("invoice_count", filter=condition) for key, condition in conditions.items()},
    )
    most_owing = OwedByPatient.objects.order_by("-owed_cents", "patient__name", "patient_id").values("patient_id")
    rows = (
        Invoice.objects.issued()
        .with_patient_due()  # type: ignore[misc]
        .filter(patient_due_amount__gt=0, patient_id__in=most_owing[:limit])
        .values("patient_id", "patient__name")
        .annotate(
            row_total=Sum("patient_due_amount"),
            **{f"sum_{key}": Sum("patient_due_amount", filter=condition) for key, condition in conditions.items()},
        )
        .order_by("-row_total", "patient__name", "patient_id")
    )
    return AgingReport(
        today=today,
        totals=tuple(_cents(totals[f"sum_{bucket.key}"]) for bucket in AGING_BUCKETS),
        counts=tuple(totals[f"count_{bucket.key}"] or 0 for bucket in AGING_BUCKETS),
        total=_cents(totals["total"]),
        invoice_count=totals["invoices"] or 0,
        patient_count=totals["patient_count"] or 0,
        rows=tuple(
            AgingRow(
                patient_id=row["patient_id"],
                name=row["patient__name"],
                amounts=tuple(_money(row[f"sum_{bucket.key}"]) for bucket in AGING_BUCKETS),
                total=_money(row["row_total"]),
            )
            for row in rows
        ),
    )


def aging_report_csv(report: AgingReport) -> str:
    """The report as CSV in the active language: one row per patient shown, then the totals over everyone."""
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    writer.writerow([_("Patient id"), _("Patient"), *(str(bucket.label) for bucket in AGING_BUCKETS), _("Total")])
    for row in report.rows:
        writer.writerow([row.patient_id, row.name, *row.amounts, row.total])
    writer.writerow(["", _("All patients"), *report.totals, report.total])
    return buffer.getvalue()


def end_of_today() -> datetime:
    """Midnight at the end of today in the clinic's time zone: a call due before it is due today."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min))


def follow_up_calls_due(*, patient_id: int | None = None) -> QuerySet[FollowUpCall]:
    """Open calls of the worklist, earliest due first."""
    return follow_up_calls(patient_id=patient_id, include_completed=False)


def follow_up_calls(*, patient_id: int | None = None, include_completed: bool = False) -> QuerySet[FollowUpCall]:
    calls = FollowUpCall.objects.select_related("patient", "invoice", "complaint", "completed_by")
    if not include_completed:
        calls = calls.filter(completed_at__isnull=True)
    if patient_id is not None:
        calls = calls.filter(patient_id=patient_id)
    return calls.order_by("due_at", "id")


def follow_up_calls_due_today() -> QuerySet[FollowUpCall]:
    return follow_up_calls_due().filter(due_at__lt=end_of_today())


def reminders_outcome_unknown() -> QuerySet[Reminder]:
    """Notices the channel may or may not have taken (a dropped connection, a worker that died mid-send), for
    staff to confirm as sent or send again; the oldest first."""
    return (
        Reminder.objects.filter(status=Reminder.Status.UNCERTAIN)
        .select_related("invoice__patient")
        .order_by("claimed_at", "id")
    )


def invoice_active_deferral(*, invoice_id: int, today: date) -> Deferral | None:
    """The deferral that holds collection of the invoice today, if any (the latest, should old data hold two)."""
    return Deferral.objects.active(today).filter(invoice_id=invoice_id).order_by("-until", "-id").first()


def invoice_active_arrangement(*, invoice_id: int, today: date) -> PaymentPlan | Deferral | None:
    """The one arrangement that holds the invoice today: its kept payment plan, else its running deferral."""
    plan = PaymentPlan.objects.filter(invoice_id=invoice_id, status=PaymentPlan.Status.ACTIVE).first()
    if plan is not None:
        return plan
    return invoice_active_deferral(invoice_id=invoice_id, today=today)


def plan_next_instalment(*, plan: PaymentPlan) -> Instalment | None:
    """The plan's first instalment not yet paid: what the patient pays next, and by when."""
    return plan.instalments.exclude(status=Instalment.Status.PAID).order_by("number").first()


def paused_invoices(*, today: date, by_plans: bool = True) -> Q:
    """Invoices collections leave alone today: a hold stops the clock (collection_state.HoldReason: disputed,
    still disputed, recalled from the agency, insurance pending, a deferral, and, unless `by_plans` is off for
    the plan's own instalment reminders, a kept payment plan), or a decided case ended the reminders."""
    # A decided case (credited, agency, conciliation board, withdrawn) ends the reminders: whatever still waited
    # from before it is never sent.
    return collection_state.held(today=today, by_plans=by_plans) | collection_state.case_decided()


def invoices_patient_paid(*, invoice_ids: list[int]) -> dict[int, Decimal]:
    """Net patient payments per invoice (payments less their reversals), positive."""
    rows = (
        LedgerEntry.objects.filter(invoice_id__in=invoice_ids)
        .filter(
            Q(kind=LedgerEntry.Kind.PATIENT_PAYMENT)
            | Q(kind=LedgerEntry.Kind.REVERSAL, reverses__kind=LedgerEntry.Kind.PATIENT_PAYMENT)
        )
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["invoice_id"]: -Decimal(row["total"]).quantize(CENT) for row in rows}


# --- One patient's collections history, for the account's timeline (each one query) -------------------------


def reminders_for_patient(*, patient_id: int) -> QuerySet[Reminder]:
    """Every notice queued or sent for the patient's invoices (reminders, final notices, instalment notices), with
    its channel and delivery status, newest first."""
    return (
        Reminder.objects.filter(invoice__patient_id=patient_id).select_related("invoice").order_by("-created_at", "-id")
    )


def calls_for_patient(*, patient_id: int) -> QuerySet[FollowUpCall]:
    """The patient's follow-up calls and callback requests, done or not, with their outcome, newest first."""
    return (
        FollowUpCall.objects.filter(patient_id=patient_id)
        .select_related("invoice", "completed_by")
        .order_by("-created_at", "-id")
    )


def portal_messages_for_patient(*, patient_id: int) -> QuerySet[PortalMessage]:
    """The messages the patient got in the portal, newest first (without their bodies: the timeline names them)."""
    return PortalMessage.objects.filter(patient_id=patient_id).defer("body").order_by("-created_at", "-id")


def payment_promises_for_patient(*, patient_id: int) -> QuerySet[PaymentPromise]:
    """The patient's promises to pay, ended ones too, newest first."""
    return (
        PaymentPromise.objects.filter(patient_id=patient_id)
        .select_related("invoice", "created_by")
        .order_by("-created_at", "-id")
    )


def payment_promise_running(*, patient_id: int, today: date) -> PaymentPromise | None:
    """The promise that holds the patient's reminders today, latest date first (None when none does)."""
    return (
        PaymentPromise.objects.active(today)
        .filter(patient_id=patient_id)
        .select_related("invoice")
        .order_by("-until", "-id")
        .first()
    )


def reminders_changed(*, since: datetime | None = None) -> QuerySet[Reminder]:
    """Reminders of every invoice, queued, sent or skipped, annotated with `changed_at` (when sent, else when
    queued), changed since a moment."""
    reminders = Reminder.objects.annotate(changed_at=Coalesce("sent_at", "created_at"))
    return reminders if since is None else reminders.filter(changed_at__gte=since)
