"""Reads for the collections section of one invoice: reminders, pauses, plans, deferrals and a case.

A selector module (reads only). Six queries for an issued invoice whatever its history; none for a draft.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Prefetch, Q, When
from django.utils.translation import gettext as _

from disputes.models import Complaint
from disputes.selectors import invoice_ids_disputed
from invoices.models import InsuranceStatus, Invoice
from invoices.templatetags.money import local_date

from .models import CollectionCase, Deferral, Instalment, PaymentPlan, Reminder


@dataclass(frozen=True)
class CollectionStatus:
    reminders: list[Reminder] = field(default_factory=list)
    plans: list[PaymentPlan] = field(default_factory=list)
    deferrals: list[Deferral] = field(default_factory=list)
    open_complaint: Complaint | None = None
    # The complaint closed "patient still disagrees" and no decision settled the claim yet: it stays held.
    still_disputed: bool = False
    case: CollectionCase | None = None
    # Why reminders wait, in words (the same conditions as services.paused_invoices).
    pause_reasons: list[str] = field(default_factory=list)
    # The deferral that holds the invoice today (the latest, as selectors.invoice_active_deferral).
    running_deferral: Deferral | None = None

    @property
    def active_plan(self) -> PaymentPlan | None:
        return next((plan for plan in self.plans if plan.status == PaymentPlan.Status.ACTIVE), None)

    @property
    def current_arrangement(self) -> PaymentPlan | Deferral | None:
        """What a new plan or deferral would replace: as selectors.invoice_active_arrangement, on rows read."""
        return self.active_plan or self.running_deferral

    @property
    def is_paused(self) -> bool:
        return bool(self.pause_reasons)


def invoice_collection_status(*, invoice: Invoice, today: date) -> CollectionStatus:
    """What collections did and does on an invoice. Queries: reminders, plans, their instalments, deferrals,
    the complaint that holds the claim (open, or closed "patient still disagrees") and the collection case —
    six; a draft has none and costs none."""
    if invoice.is_draft:
        return CollectionStatus()
    reminders = list(Reminder.objects.filter(invoice=invoice).order_by("step", "id"))
    plans = list(
        PaymentPlan.objects.filter(invoice=invoice)
        .select_related("created_by")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .order_by("-created_at", "-id")
    )
    deferrals = list(Deferral.objects.filter(invoice=invoice).select_related("created_by").order_by("-until", "-id"))
    # One query for both holds a complaint puts on the claim: the open complaint first, else the complaint closed
    # "patient still disagrees" that still holds it (the invoice is disputed with no complaint open).
    held_by = (
        Complaint.objects.filter(invoice_id=invoice.pk, invoice_id__in=invoice_ids_disputed())
        .filter(
            Q(status__in=Complaint.OPEN_STATUSES)
            | Q(status=Complaint.Status.CLOSED, outcome=Complaint.Outcome.STILL_DISAGREES)
        )
        .select_related("decision")
        .annotate(closed_last=Case(When(status__in=Complaint.OPEN_STATUSES, then=0), default=1))
        .order_by("closed_last", "-received_at", "-id")
        .first()
    )
    complaint = held_by if held_by is not None and held_by.is_open else None
    still_disputed = held_by is not None and not held_by.is_open
    case = CollectionCase.objects.filter(invoice=invoice).first()
    reasons = []
    if complaint is not None:
        reasons.append(_("A complaint is open on this invoice."))
    if still_disputed:
        reasons.append(_("The patient still disagrees: no reminder or agency until the claim is credited or decided."))
    if case is not None and case.recalled_at is not None and case.status == CollectionCase.Status.AGENCY:
        reasons.append(_("Recalled from the collection agency after a complaint."))
    if invoice.insurance_status == InsuranceStatus.PENDING:
        reasons.append(_("Insurance is pending: what the patient owes is not final yet."))
    running = [deferral for deferral in deferrals if deferral.is_active(today)]
    latest = max(running, key=lambda deferral: (deferral.until, deferral.pk)) if running else None
    if latest is not None:
        reasons.append(_("Deferred until %(day)s.") % {"day": local_date(latest.until)})
    if any(plan.status == PaymentPlan.Status.ACTIVE for plan in plans):
        reasons.append(_("A payment plan is being kept."))
    return CollectionStatus(
        reminders=reminders,
        plans=plans,
        deferrals=deferrals,
        open_complaint=complaint,
        still_disputed=still_disputed,
        case=case,
        pause_reasons=reasons,
        running_deferral=latest,
    )
