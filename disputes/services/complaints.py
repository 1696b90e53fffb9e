"""Complaints: filing (the policy decides route, deadline and proposal), meeting, accepting the proposal,
closing, and escalation when a deadline passes or the patient is not satisfied."""

from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound, PermissionDenied
from clinic_billing.lifecycle import transition
from clinic_billing.roles import OFFICE_MANAGER
from clinic_calendar import clinic_calendar
from integration_events.models import EventType
from integration_events.services import event_record
from invoices import services as invoice_services
from invoices.models import Invoice
from patient_collections import interface as collections
from patients.models import AuthorisedProxy

from .. import permissions
from .. import policy as engine
from ..models import AdjustmentRequest, Category, Complaint, ComplaintChannel, Decision, ProposalKind
from .adjustments import adjustment_request_create
from .policy_versions import policy_active, policy_snapshot

Status = Complaint.Status


def complaint_transition(
    *, complaint: Complaint, to_status: str, by: User | None, reason: str = "", extra_fields: tuple = ()
) -> Complaint:
    """Move a locked complaint along its lifecycle (Complaint.LIFECYCLE), recording who, when and why."""
    return transition(complaint, to_status, by=by, reason=reason, extra_fields=extra_fields)


def proxy_check(*, patient_id: int, proxy_id: int, on: datetime | None = None) -> AuthorisedProxy:
    """The proxy if they may speak for the patient today; otherwise a refusal that tells them how to get it."""
    day = timezone.localdate(on) if on else timezone.localdate()
    proxy = AuthorisedProxy.objects.filter(pk=proxy_id, patient_id=patient_id).first()
    if proxy is None or not proxy.is_active_on(day):
        raise PermissionDenied(
            _(
                "This person is not authorised to speak for the patient. Nothing can be shared until the "
                "patient gives written authorisation (a signed power of attorney) at the desk or in the portal."
            ),
            field="proxy",
        )
    return proxy


def _disputed_amount(invoice: Invoice, line_ids: list[int]) -> Decimal:
    owed = max(invoice.patient_due, Decimal("0.00"))
    if not line_ids:
        return owed
    lines_total = invoice.lines.filter(pk__in=line_ids).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return min(Decimal(lines_total).quantize(Decimal("0.01")), owed)


@transaction.atomic
def complaint_file(
    *,
    patient_id: int,
    invoice_id: int,
    line_ids: list[int],
    channel: str,
    category: str,
    description: str,
    proxy_id: int | None = None,
    by: User | None,
) -> Complaint:
    """Log a complaint or refusal to pay and let the active policy decide route, deadline and proposal."""
    if channel not in ComplaintChannel.values:
        raise ApplicationError(_("Choose how the complaint came in."), field="channel")
    if category not in Category.values:
        raise ApplicationError(_("Choose what the complaint is about."), field="category")
    if not description.strip():
        raise ApplicationError(_("Write down what the patient said, in their own words."), field="description")
    invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
    if invoice.patient_id != patient_id:
        raise NotFound(_("This invoice does not belong to this patient."), field="invoice")
    if invoice.status not in Invoice.BOOKED_STATUSES:
        raise InvalidTransition(_("Only an issued invoice can be disputed."), field="invoice")
    proxy = proxy_check(patient_id=patient_id, proxy_id=proxy_id) if proxy_id else None
    line_ids = sorted(set(line_ids))
    if line_ids and invoice.lines.filter(pk__in=line_ids).count() != len(line_ids):
        raise ApplicationError(_("Some of the chosen lines are not on this invoice."), field="lines")
    now = timezone.now()
    policy = policy_active()
    facts = engine.Facts(
        category=category,
        disputed_amount=_disputed_amount(invoice, line_ids),
        insurance_status=invoice.insurance_status,
        invoice_age_days=max(0, (timezone.localdate() - (invoice.issued_at or now).date()).days),
        earlier_complaints=Complaint.objects.filter(
            patient_id=patient_id, received_at__gte=now - timedelta(days=365)
        ).count(),
        channel=channel,
    )
    try:
        decision = engine.decide(facts, policy_snapshot(policy))
    except engine.PolicyError as exc:
        raise ApplicationError(str(exc), field="category") from exc
    complaint = Complaint.objects.create(
        patient_id=patient_id,
        invoice=invoice,
        proxy=proxy,
        channel=channel,
        category=category,
        description=description.strip(),
        disputed_amount=facts.disputed_amount,
        route_to=decision.route_to,
        # Open hours of the clinic: a complaint logged at night or before a holiday is not due in the night.
        meeting_due_at=clinic_calendar().add_open_hours(now, decision.meeting_within_hours),
        received_by=by,
    )
    if line_ids:
        complaint.lines.set(line_ids)
    # A disputed claim must not stay with a collection agency: the complaint recalls it (inkassoloven).
    collections.collection_case_recall(invoice_id=invoice.pk)
    Decision.objects.create(
        complaint=complaint,
        policy=policy,
        policy_version=decision.policy_version,
        facts={key: str(value) for key, value in asdict(facts).items()},
        rule_position=decision.rule_position,
        rule_names=dict(decision.rule_names),
        route_to=decision.route_to,
        meeting_within_hours=decision.meeting_within_hours,
        proposal_kind=decision.proposal.kind,
        proposal_amount=decision.proposal.amount,
        approval_role=decision.approval_role or "",
        scripts=dict(decision.scripts),
        notes=list(decision.notes),
    )
    event_record(
        type=EventType.COMPLAINT_FILED,
        obj=complaint,
        patient_id=patient_id,
        data={
            "invoice": invoice.pk,
            "category": category,
            "channel": channel,
            "disputed_amount": complaint.disputed_amount,
        },
    )
    event_record(
        type=EventType.COMPLAINT_DECIDED,
        obj=complaint,
        patient_id=patient_id,
        data={
            "invoice": invoice.pk,
            "route_to": decision.route_to,
            "proposal_kind": decision.proposal.kind,
            "proposal_amount": decision.proposal.amount,
            "meeting_due_at": complaint.meeting_due_at,
            "policy_version": decision.policy_version,
        },
    )
    return complaint


def _lock_complaint(complaint_id: int) -> Complaint:
    try:
        return Complaint.objects.select_for_update().get(pk=complaint_id)
    except Complaint.DoesNotExist as exc:
        raise NotFound(_("No such complaint."), field="complaint") from exc


@transaction.atomic
def complaint_mark_met(*, complaint_id: int, by: User | None) -> Complaint:
    """Record that staff met (or called) the patient: the clock of the meeting deadline stops."""
    complaint = _lock_complaint(complaint_id)
    if complaint.status in (Status.OPEN, Status.ESCALATED):
        refusal = permissions.complaint_meeting_refusal(by, complaint)
        if refusal:
            raise PermissionDenied(refusal)
    complaint.met_at = timezone.now()
    return complaint_transition(complaint=complaint, to_status=Status.MET, by=by, extra_fields=("met_at",))


@transaction.atomic
def complaint_accept_proposal(*, complaint_id: int, by: User | None) -> AdjustmentRequest:
    """The patient accepted what was offered: create the adjustment request the decision proposed."""
    complaint = _lock_complaint(complaint_id)
    if not complaint.is_open:
        raise InvalidTransition(_("This complaint is closed."))
    decision = complaint.decision
    if decision.proposal_kind not in AdjustmentRequest.KIND_TO_ENTRY:
        if decision.proposal_kind in (ProposalKind.PAYMENT_PLAN, ProposalKind.DEFERRAL):
            raise InvalidTransition(
                _("A payment plan or deferral is set up by billing on the invoice; there is nothing to approve.")
            )
        raise InvalidTransition(_("This proposal moves no money, so there is nothing to approve."))
    if complaint.adjustments.exclude(status=AdjustmentRequest.Status.REJECTED).exists():
        raise InvalidTransition(_("An adjustment for this complaint is already requested."))
    return adjustment_request_create(
        complaint=complaint,
        kind=decision.proposal_kind,
        amount=decision.proposal_amount,
        reason=f"{Category(complaint.category).label}: {decision.rule_name}",
        required_role=decision.approval_role or OFFICE_MANAGER,
        by=by,
    )


def complaint_close_check(*, complaint: Complaint, outcome: str, prevention_note: str, by: User | None) -> None:
    """Everything complaint_close refuses before it writes: the preview step asks the same questions."""
    refusal = permissions.complaint_close_refusal(by, complaint, complaint.decision.proposal_kind)
    if refusal:
        raise PermissionDenied(refusal)
    if outcome not in Complaint.Outcome.values:
        raise ApplicationError(_("Choose the outcome."), field="outcome")
    if not prevention_note.strip():
        raise ApplicationError(_("Say what will be done so it does not happen again."), field="prevention_note")


@transaction.atomic
def complaint_close(
    *,
    complaint_id: int,
    outcome: str,
    prevention_note: str,
    resolution_note: str = "",
    resolution_text: str = "",
    by: User | None,
) -> Complaint:
    """Close with the outcome, the internal prevention note and the letter's text; schedule the follow-up call.

    `prevention_note` stays internal (reports); `resolution_text` is what the patient's letter says.
    """
    complaint = _lock_complaint(complaint_id)
    complaint_close_check(complaint=complaint, outcome=outcome, prevention_note=prevention_note, by=by)
    if complaint.adjustments.filter(status=AdjustmentRequest.Status.PENDING).exists():
        raise InvalidTransition(_("An adjustment is still waiting for approval: decide it before closing."))
    now = timezone.now()
    complaint.outcome = outcome
    complaint.prevention_note = prevention_note.strip()
    complaint.resolution_note = resolution_note.strip()
    complaint.resolution_text = resolution_text.strip()
    complaint.closed_at = now
    complaint.closed_by = by
    complaint_transition(
        complaint=complaint,
        to_status=Status.CLOSED,
        by=by,
        extra_fields=("outcome", "prevention_note", "resolution_note", "resolution_text", "closed_at", "closed_by"),
    )
    follow_up_days = complaint.decision.policy.follow_up_days
    collections.complaint_follow_up_call_open(
        complaint_id=complaint.pk,
        patient_id=complaint.patient_id,
        invoice_id=complaint.invoice_id,
        role=complaint.route_to,
        due_at=now + timedelta(days=follow_up_days),
    )
    event_record(
        type=EventType.COMPLAINT_CLOSED,
        obj=complaint,
        patient_id=complaint.patient_id,
        data={"invoice": complaint.invoice_id, "outcome": outcome, "status": complaint.status},
    )
    return complaint


def complaints_escalate_overdue(*, now: datetime | None = None) -> int:
    """Sweep: complaints not met by their deadline go to the office manager. Idempotent; returns how many.

    Deadlines count open hours, so they fall while the clinic is open; the beat task only sweeps then.
    """
    now = now or timezone.now()
    escalated = 0
    with transaction.atomic():
        due = list(
            Complaint.objects.select_for_update(skip_locked=True)
            .filter(status=Status.OPEN, met_at__isnull=True, meeting_due_at__lt=now)
            .order_by("id")[:500]
        )
        for complaint in due:
            _escalate(complaint, at=now, by=None, reason="meeting deadline passed")
            escalated += 1
    return escalated


@transaction.atomic
def complaint_escalate_not_satisfied(*, complaint_id: int, at: datetime, by: User | None) -> Complaint:
    """The patient was not satisfied at the follow-up call (patient_collections records it): the complaint goes
    back to the office manager."""
    complaint = _lock_complaint(complaint_id)
    _escalate(complaint, at=at, by=by, reason="not satisfied at the follow-up call")
    return complaint


def _escalate(complaint: Complaint, *, at: datetime, by: User | None, reason: str) -> None:
    """The complaint goes to the office manager (a locked row), with why in its history."""
    complaint.escalated_at = at
    complaint.route_to = OFFICE_MANAGER
    complaint_transition(
        complaint=complaint,
        to_status=Status.ESCALATED,
        by=by,
        reason=reason,
        extra_fields=("escalated_at", "route_to"),
    )
