"""Reads for disputes: the open complaint of an invoice (collections pause on it), queues and worklists."""

from django.db.models import QuerySet

from patient_collections.models import FollowUpCall

from .models import AdjustmentRequest, Complaint


def invoice_ids_with_open_complaint() -> QuerySet[Complaint]:
    """Invoice ids that collections must pause while a complaint is open (use as a subquery)."""
    return Complaint.objects.filter(status__in=Complaint.OPEN_STATUSES).values("invoice_id")


def open_complaint_for_invoice(*, invoice_id: int) -> Complaint | None:
    return (
        Complaint.objects.filter(invoice_id=invoice_id, status__in=Complaint.OPEN_STATUSES)
        .select_related("decision")
        .order_by("-received_at")
        .first()
    )


def adjustments_pending() -> QuerySet[AdjustmentRequest]:
    return (
        AdjustmentRequest.objects.filter(status=AdjustmentRequest.Status.PENDING)
        .select_related("complaint", "complaint__decision", "invoice", "invoice__patient", "requested_by")
        .order_by("requested_at", "id")
    )


def complaint_detail(*, complaint_id: int) -> Complaint | None:
    return (
        Complaint.objects.select_related("patient", "invoice", "decision", "proxy", "received_by", "closed_by")
        .prefetch_related("lines", "adjustments", "status_changes", "follow_up_calls")
        .filter(pk=complaint_id)
        .first()
    )


def follow_up_calls_due(*, patient_id: int | None = None) -> QuerySet[FollowUpCall]:
    calls = FollowUpCall.objects.filter(completed_at__isnull=True).select_related("patient", "invoice", "complaint")
    if patient_id is not None:
        calls = calls.filter(patient_id=patient_id)
    return calls.order_by("due_at", "id")
