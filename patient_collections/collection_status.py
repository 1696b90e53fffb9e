"""Reads for the collections section of one invoice: its collection state and holds, reminders, plans,
deferrals and a case.

A selector module (reads only). Six or seven queries for an issued invoice whatever its history; none for a draft.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch

from disputes.interface import Complaint
from invoices.models import Invoice

from .collection_state import HoldReason, InvoiceCollectionState, collection_state
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
    # The one collection state every reader shares; None for a draft.
    state: InvoiceCollectionState | None = None
    # The deferral that holds the invoice today (the latest, as selectors.invoice_active_deferral).
    running_deferral: Deferral | None = None

    @property
    def active_plan(self) -> PaymentPlan | None:
        return next((plan for plan in self.plans if plan.status == PaymentPlan.Status.ACTIVE), None)

    @property
    def holds(self) -> tuple[HoldReason, ...]:
        return self.state.holds if self.state is not None else ()

    @property
    def pause_reasons(self) -> list[str]:
        """Why reminders wait, in words: the labels of the holds (collection_state.HoldReason)."""
        return self.state.pause_reasons if self.state is not None else []

    @property
    def current_arrangement(self) -> PaymentPlan | Deferral | None:
        """What a new plan or deferral would replace: as selectors.invoice_active_arrangement, on rows read."""
        return self.active_plan or self.running_deferral

    @property
    def is_paused(self) -> bool:
        return bool(self.holds)


def invoice_collection_status(*, invoice: Invoice, today: date) -> CollectionStatus:
    """What collections did and does on an invoice. Queries: its collection state (collection_state), reminders,
    plans, their instalments, deferrals and the collection case — six; a seventh for the complaint that holds
    the claim, only when a complaint does (open, or closed "patient still disagrees"); none for a draft."""
    if invoice.is_draft:
        return CollectionStatus()
    state = collection_state(invoice_id=invoice.pk, today=today)
    reminders = list(Reminder.objects.filter(invoice=invoice).order_by("step", "id"))
    plans = list(
        PaymentPlan.objects.filter(invoice=invoice)
        .select_related("created_by")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .order_by("-created_at", "-id")
    )
    deferrals = list(Deferral.objects.filter(invoice=invoice).select_related("created_by").order_by("-until", "-id"))
    holds = state.holds if state is not None else ()
    complaint = None
    if HoldReason.DISPUTED in holds:
        complaint = (
            Complaint.objects.filter(invoice_id=invoice.pk, status__in=Complaint.OPEN_STATUSES)
            .select_related("decision")
            .order_by("-received_at", "-id")
            .first()
        )
    case = CollectionCase.objects.filter(invoice=invoice).first()
    running = [deferral for deferral in deferrals if deferral.is_active(today)]
    latest = max(running, key=lambda deferral: (deferral.until, deferral.pk)) if running else None
    return CollectionStatus(
        reminders=reminders,
        plans=plans,
        deferrals=deferrals,
        open_complaint=complaint,
        still_disputed=HoldReason.STILL_DISPUTED in holds,
        case=case,
        state=state,
        running_deferral=latest,
    )
