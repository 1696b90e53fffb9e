"""Reads for disputes: the open complaint of an invoice (collections pause on it), queues and worklists."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest

from clinic_calendar import clinic_calendar
from invoices.models import InvoiceLine
from invoices.selectors import patient_balance
from patient_collections.interface import CollectionCase, FollowUpCall
from patients.models import Patient

from .models import AdjustmentRequest, Complaint, ComplaintStatusChange, Policy


def invoice_ids_with_open_complaint() -> QuerySet[Complaint, Any]:
    """Invoice ids that collections must pause while a complaint is open (use as a subquery)."""
    return Complaint.objects.filter(status__in=Complaint.OPEN_STATUSES).values("invoice_id")


# A case in one of these statuses settled a dispute the patient kept after the complaint closed: the claim was
# credited, dropped, or is before the conciliation board (which is the dispute's forum from then on).
DISPUTE_SETTLED_CASE_STATUSES = (
    CollectionCase.Status.CREDITED,
    CollectionCase.Status.WITHDRAWN,
    CollectionCase.Status.CONCILIATION,
)


def invoice_ids_disputed() -> QuerySet[Complaint, Any]:
    """Invoice ids whose claim is disputed, so collections hold it (no reminder, final notice or agency): a
    complaint is open, or the latest complaint closed "patient still disagrees" and no case has credited,
    withdrawn or taken the claim to the conciliation board since. Use as a subquery; every reader of the
    collection state (sweeps, sending, case decisions, pages, API) goes through this one."""
    later = Complaint.objects.filter(invoice_id=OuterRef("invoice_id")).filter(
        Q(received_at__gt=OuterRef("received_at")) | Q(received_at=OuterRef("received_at"), pk__gt=OuterRef("pk"))
    )
    settled = CollectionCase.objects.filter(invoice_id=OuterRef("invoice_id"), status__in=DISPUTE_SETTLED_CASE_STATUSES)
    still_disagrees = (
        Q(status=Complaint.Status.CLOSED, outcome=Complaint.Outcome.STILL_DISAGREES) & ~Exists(later) & ~Exists(settled)
    )
    return Complaint.objects.filter(Q(status__in=Complaint.OPEN_STATUSES) | still_disagrees).values("invoice_id")


def complaints_open(*, roles: set[str] | None = None) -> QuerySet[Complaint]:
    """Open complaints by meeting deadline; only those routed to one of `roles` when given."""
    complaints = Complaint.objects.filter(status__in=Complaint.OPEN_STATUSES)
    if roles is not None:
        complaints = complaints.filter(route_to__in=sorted(roles))
    return complaints.select_related("patient", "invoice").order_by("meeting_due_at", "id")


def complaints_past_deadline(*, now: datetime) -> QuerySet[Complaint]:
    """Open complaints nobody has met although their meeting deadline has passed."""
    return complaints_open().filter(met_at__isnull=True, meeting_due_at__lt=now)


def open_complaint_for_patient(*, patient_id: int) -> Complaint | None:
    """The open complaint an account's header shows: the one whose meeting comes first."""
    return complaints_open().filter(patient_id=patient_id).first()


@dataclass(frozen=True)
class Deadline:
    """How a complaint's meeting deadline stands now, in words a busy desk reads at a glance."""

    due_at: datetime
    hours: int
    overdue: bool
    met: bool


def deadline_of(complaint: Complaint, now: datetime) -> Deadline:
    """How the meeting deadline stands at `now`, in the clinic's open hours: "meet within N hours" counted only
    open time when it was set, so the hours left (or overdue) count down only while the clinic is open."""
    calendar = clinic_calendar()
    due_at = complaint.meeting_due_at
    passed = now > due_at
    open_time = calendar.open_time_between(due_at, now) if passed else calendar.open_time_between(now, due_at)
    met = complaint.met_at is not None
    return Deadline(
        due_at=due_at,
        hours=round(open_time.total_seconds() / 3600),
        overdue=passed and not met and complaint.is_open,
        met=met,
    )


def open_complaint_for_invoice(*, invoice_id: int) -> Complaint | None:
    return (
        Complaint.objects.filter(invoice_id=invoice_id, status__in=Complaint.OPEN_STATUSES)
        .select_related("decision")
        .order_by("-received_at")
        .first()
    )


def adjustments_pending() -> QuerySet[AdjustmentRequest]:
    return adjustments_by_status(status=AdjustmentRequest.Status.PENDING)


def adjustments_by_status(*, status: str | None = None) -> QuerySet[AdjustmentRequest]:
    """Adjustment requests, oldest first; all of them when `status` is None."""
    adjustments = AdjustmentRequest.objects.select_related(
        "complaint", "complaint__decision", "invoice", "invoice__patient", "requested_by", "decided_by"
    )
    if status:
        adjustments = adjustments.filter(status=status)
    return adjustments.order_by("requested_at", "id")


def credit_requests_pending() -> QuerySet[AdjustmentRequest]:
    """Collection cases' credit requests waiting for approval, with who asked (to prefetch on cases)."""
    return AdjustmentRequest.objects.filter(
        collection_case__isnull=False, status=AdjustmentRequest.Status.PENDING
    ).select_related("requested_by")


def case_credit_requests(*, case_ids: list[int]) -> dict[int, list[AdjustmentRequest]]:
    """The credit requests of collection cases, newest first, by case id (one query)."""
    requests: dict[int, list[AdjustmentRequest]] = {case_id: [] for case_id in case_ids}
    for adjustment in (
        AdjustmentRequest.objects.filter(collection_case_id__in=case_ids)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    ):
        requests[adjustment.collection_case_id].append(adjustment)  # type: ignore[index]
    return requests


def complaint_detail(*, complaint_id: int) -> Complaint | None:
    """A complaint with its lines, adjustments, status history and calls (and who did each): 5 queries."""
    return complaints_with_details().filter(pk=complaint_id).first()


def complaints_changed(
    *, patient_id: int | None = None, status: str | None = None, updated_since: datetime | None = None
) -> QuerySet[Complaint]:
    """Complaints with their details (as complaint_detail, 5 queries a page), annotated with `changed_at`: the
    latest of when it was received, met, escalated, closed or its status last changed; filtered by each given."""
    last_status_change = (
        ComplaintStatusChange.objects.filter(complaint=OuterRef("pk")).order_by("-changed_at").values("changed_at")[:1]
    )
    complaints = complaints_with_details().annotate(
        changed_at=Greatest(
            "received_at",
            Coalesce("met_at", "received_at"),
            Coalesce("escalated_at", "received_at"),
            Coalesce("closed_at", "received_at"),
            Coalesce(Subquery(last_status_change), "received_at"),
        )
    )
    if patient_id is not None:
        complaints = complaints.filter(patient_id=patient_id)
    if status is not None:
        complaints = complaints.filter(status=status)
    if updated_since is not None:
        complaints = complaints.filter(changed_at__gte=updated_since)
    return complaints


def open_complaints_for_invoices(*, invoice_ids: list[int]) -> dict[int, Complaint]:
    """The newest open complaint of each invoice that has one (as open_complaint_for_invoice), in one query."""
    complaints = (
        Complaint.objects.filter(invoice_id__in=invoice_ids, status__in=Complaint.OPEN_STATUSES)
        .select_related("decision")
        .order_by("received_at", "id")
    )
    return {complaint.invoice_id: complaint for complaint in complaints}


def complaints_with_details() -> QuerySet[Complaint]:
    return (
        Complaint.objects.select_related("patient", "invoice", "decision", "proxy", "received_by", "closed_by")
        # One prefetch per call: the related querysets are different audited classes, which mypy cannot join.
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id")))
        .prefetch_related(
            Prefetch(
                "adjustments",
                queryset=AdjustmentRequest.objects.select_related("requested_by", "decided_by").order_by("id"),
            )
        )
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=ComplaintStatusChange.objects.select_related("changed_by").order_by("changed_at", "id"),
            )
        )
        .prefetch_related(Prefetch("follow_up_calls", queryset=FollowUpCall.objects.order_by("due_at", "id")))
    )


@dataclass(frozen=True)
class ComplaintReport:
    start: date
    end: date
    by_category_and_outcome: list[Any]
    meetings: dict[str, int]
    adjustments: list[Any]
    follow_up_outcomes: list[Any]
    prevention_actions: list[Any]


def complaint_report(*, start: date, end: date) -> ComplaintReport:
    """The office manager's report for complaints received between `start` and `end` (inclusive).

    Every figure is computed by the database (grouped counts and sums): six queries whatever the volume.
    """
    complaints = Complaint.objects.filter(received_at__date__gte=start, received_at__date__lte=end)
    by_category_and_outcome = list(
        complaints.values("category", "outcome").annotate(count=Count("id")).order_by("category", "outcome")
    )
    meetings = complaints.aggregate(
        total=Count("id"),
        met_on_time=Count("id", filter=Q(met_at__isnull=False, met_at__lte=F("meeting_due_at"))),
        met_late=Count("id", filter=Q(met_at__isnull=False, met_at__gt=F("meeting_due_at"))),
        not_met=Count("id", filter=Q(met_at__isnull=True)),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
    )
    adjustments = list(
        AdjustmentRequest.objects.filter(
            status=AdjustmentRequest.Status.APPROVED, decided_at__date__gte=start, decided_at__date__lte=end
        )
        .values("kind", "complaint__category", "decided_by__username")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("kind", "complaint__category", "decided_by__username")
    )
    follow_up_outcomes = list(
        FollowUpCall.objects.filter(
            reason=FollowUpCall.Reason.COMPLAINT_FOLLOW_UP,
            completed_at__date__gte=start,
            completed_at__date__lte=end,
        )
        .values("outcome")
        .annotate(count=Count("id"))
        .order_by("outcome")
    )
    prevention_actions = list(
        complaints.filter(status=Complaint.Status.CLOSED)
        .exclude(prevention_note="")
        .values("id", "category", "closed_at", "prevention_note")
        .order_by("-closed_at")[:100]
    )
    return ComplaintReport(
        start=start,
        end=end,
        by_category_and_outcome=by_category_and_outcome,
        meetings=meetings,
        adjustments=adjustments,
        follow_up_outcomes=follow_up_outcomes,
        prevention_actions=prevention_actions,
    )


def policy_history() -> QuerySet[Policy]:
    """Every policy version, newest first."""
    return Policy.objects.select_related("created_by").order_by("-version")


def policy_by_version(*, version: int) -> Policy | None:
    return (
        Policy.objects.select_related("created_by", "deputy_approver")
        .prefetch_related("rules")
        .filter(version=version)
        .first()
    )


def policy_latest_version() -> int:
    return Policy.objects.order_by("-version").values_list("version", flat=True).first() or 0


def account_summary(patient: Patient) -> dict[str, object]:
    """What every page of an account shows in its header: the patient, their balance or credit, and the
    open complaint (collections pause while it is open)."""
    balance = patient_balance(patient_id=patient.pk)
    credit: Decimal | None = -balance if balance < 0 else None
    return {
        "patient": patient,
        "balance": balance,
        "credit": credit,
        "open_complaint": open_complaint_for_patient(patient_id=patient.pk),
    }


def complaints_for_patient(*, patient_id: int) -> QuerySet[Complaint]:
    """Every complaint of the patient with its decision and invoice, newest first: the account's timeline."""
    return (
        Complaint.objects.filter(patient_id=patient_id)
        .select_related("decision", "invoice", "proxy", "received_by", "closed_by")
        .order_by("-received_at", "-id")
    )
