"""Complaints, decisions, approvals and closing. Money moves only through an approved AdjustmentRequest."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound, PermissionDenied
from clinic_billing.lifecycle import transition
from clinic_billing.roles import OFFICE_MANAGER, STAFF_ROLES
from clinic_calendar import clinic_calendar
from invoices import services as invoice_services
from invoices.models import Invoice
from patient_collections import interface as collections
from patients.models import AuthorisedProxy

from . import permissions
from . import policy as engine
from .models import (
    AdjustmentRequest,
    Category,
    Complaint,
    ComplaintChannel,
    Decision,
    Policy,
    PolicyRule,
    ProposalKind,
)

Status = Complaint.Status


def complaint_transition(
    *, complaint: Complaint, to_status: str, by: User | None, reason: str = "", extra_fields: tuple = ()
) -> Complaint:
    """Move a locked complaint along its lifecycle (Complaint.LIFECYCLE), recording who, when and why."""
    return transition(complaint, to_status, by=by, reason=reason, extra_fields=extra_fields)


def policy_snapshot(policy: Policy) -> engine.PolicySnapshot:
    """The pure engine's view of a stored policy version."""
    rules = tuple(
        engine.Rule(
            position=r.position,
            name=r.name,
            route_to=r.route_to,
            meeting_within_hours=r.meeting_within_hours,
            proposal_kind=r.proposal_kind,
            categories=frozenset(r.categories),
            min_amount=r.min_amount,
            max_amount=r.max_amount,
            insurance_statuses=frozenset(r.insurance_statuses),
            min_invoice_age_days=r.min_invoice_age_days,
            max_invoice_age_days=r.max_invoice_age_days,
            min_earlier_complaints=r.min_earlier_complaints,
            proposal_percent=r.proposal_percent,
            proposal_amount=r.proposal_amount,
            approval_role=r.approval_role or None,
            script=r.script,
        )
        for r in policy.rules.all()
    )
    return engine.PolicySnapshot(
        version=policy.version,
        rules=rules,
        approval_threshold=policy.approval_threshold,
        small_claim_threshold=policy.small_claim_threshold,
        follow_up_days=policy.follow_up_days,
    )


def policy_active() -> Policy:
    policy = Policy.objects.filter(is_active=True).select_related("deputy_approver").prefetch_related("rules").first()
    if policy is None:
        raise ApplicationError(_("No active policy: the office manager must activate one."))
    return policy


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
        rule_name=decision.rule_name,
        route_to=decision.route_to,
        meeting_within_hours=decision.meeting_within_hours,
        proposal_kind=decision.proposal.kind,
        proposal_amount=decision.proposal.amount,
        approval_role=decision.approval_role or "",
        script=decision.script,
        notes=list(decision.notes),
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


def _approval_role_for(policy: Policy, kind: str) -> str:
    """The role the policy names to approve `kind`: that of its first rule proposing it with an approval role;
    the office manager when no rule does."""
    rules = sorted(policy.rules.all(), key=lambda rule: rule.position)
    return next((rule.approval_role for rule in rules if rule.proposal_kind == kind and rule.approval_role), "") or (
        OFFICE_MANAGER
    )


def case_credit_request(*, case_id: int, invoice_id: int, amount: Decimal, note: str, by: User) -> AdjustmentRequest:
    """Queue the credit of a collection case's claim for four-eyes approval (called by the case decision, inside
    its transaction, with the case and the invoice locked). A claim within the policy's small-claim threshold
    is a small-claim credit, a larger one a write-off; the policy names who approves that kind, and above its
    approval threshold only the office manager does. Approving it credits the claim and closes the case."""
    policy = policy_active()
    kind = ProposalKind.SMALL_CLAIM_CREDIT if amount <= policy.small_claim_threshold else ProposalKind.WRITE_OFF
    reason = note.strip() or _("Claim credited on collection case %(case)s") % {"case": case_id}
    return adjustment_request_create(
        collection_case_id=case_id,
        invoice_id=invoice_id,
        kind=kind,
        amount=amount,
        reason=reason,
        required_role=_approval_role_for(policy, kind),
        by=by,
        policy=policy,
    )


@transaction.atomic
def adjustment_request_create(
    *,
    complaint: Complaint | None = None,
    collection_case_id: int | None = None,
    invoice_id: int | None = None,
    kind: str,
    amount: Decimal,
    reason: str,
    required_role: str,
    by: User | None,
    policy: Policy | None = None,
) -> AdjustmentRequest:
    """Queue a reduction, write-off or credit for four-eyes approval; money moves only when it is approved.

    For a complaint, or for a collection case (then `invoice_id` names the case's invoice). Refused when nobody
    but the requester could approve it (permissions.creation_refusal): such a request would wait for ever.
    """
    if complaint is not None:
        invoice_id = complaint.invoice_id
    if (complaint is None) == (collection_case_id is None) or invoice_id is None:
        raise ValueError("An adjustment request is for a complaint, or for a collection case and its invoice.")
    settings = permissions.approval_settings(policy)
    refusal = permissions.creation_refusal(
        amount=amount, required_role=required_role, requested_by_id=by.pk if by else None, settings=settings
    )
    if refusal:
        raise InvalidTransition(refusal)
    return AdjustmentRequest.objects.create(
        complaint=complaint,
        collection_case_id=collection_case_id,
        invoice_id=invoice_id,
        kind=kind,
        amount=amount,
        reason=reason[:300],
        required_role=required_role,
        requested_by=by,
    )


def _lock_adjustment(adjustment_id: int) -> AdjustmentRequest:
    try:
        return AdjustmentRequest.objects.select_for_update().get(pk=adjustment_id)
    except AdjustmentRequest.DoesNotExist as exc:
        raise NotFound(_("No such adjustment request."), field="adjustment") from exc


def _check_approver(adjustment: AdjustmentRequest, by: User) -> None:
    if adjustment.status != AdjustmentRequest.Status.PENDING:
        raise InvalidTransition(_("This request was already decided."))
    refusal = permissions.adjustment_request_refusal(by, adjustment)
    if refusal:
        raise PermissionDenied(refusal)


DECISION_FIELDS = ("decided_at", "decided_by", "decision_note")


def _decide(adjustment: AdjustmentRequest, to_status: str, *, by: User, note: str, extra_fields: tuple = ()) -> None:
    adjustment.decided_at = timezone.now()
    adjustment.decided_by = by
    adjustment.decision_note = note.strip()[:300]
    transition(adjustment, to_status, by=by, reason=note, extra_fields=(*DECISION_FIELDS, *extra_fields))


@transaction.atomic
def adjustment_approve(*, adjustment_id: int, by: User, note: str = "") -> AdjustmentRequest:
    """Four-eyes approval: posts the reduction, write-off or credit to the ledger, with its credit note, in the
    same transaction. A collection case's credit also closes the case as credited."""
    adjustment = _lock_adjustment(adjustment_id)
    _check_approver(adjustment, by)
    case_id = adjustment.collection_case_id
    if case_id is not None:
        # The case before the invoice, as the case decision locks them.
        collections.collection_case_lock(case_id=case_id)
    invoice = invoice_services.invoice_lock(invoice_id=adjustment.invoice_id)
    if adjustment.kind in (ProposalKind.REDUCTION, ProposalKind.WRITE_OFF) and invoice.insurance_status == "pending":
        raise InvalidTransition(_("Reductions and write-offs wait until the insurer has settled this invoice."))
    complaint = adjustment.complaint
    entry = invoice_services.invoice_adjust(
        invoice=invoice,
        kind=AdjustmentRequest.KIND_TO_ENTRY[adjustment.kind],
        amount=adjustment.amount,
        reference=f"complaint-{adjustment.complaint_id}" if complaint is not None else f"case-{case_id}",
        note=adjustment.reason,
        by=by,
        requested_by=adjustment.requested_by,
        line_ids=list(complaint.lines.values_list("pk", flat=True)) if complaint is not None else [],
    )
    adjustment.ledger_entry = entry
    _decide(adjustment, AdjustmentRequest.Status.APPROVED, by=by, note=note, extra_fields=("ledger_entry",))
    if case_id is not None:
        collections.collection_case_credit_approved(case_id=case_id, entry=entry, by=by)
    return adjustment


@transaction.atomic
def adjustment_reject(*, adjustment_id: int, by: User, note: str) -> AdjustmentRequest:
    """Refuse a proposed adjustment, saying why; nothing is posted. A collection case whose credit is refused
    waits for a decision again."""
    if not note.strip():
        raise ApplicationError(_("Say why the request is rejected."), field="note")
    adjustment = _lock_adjustment(adjustment_id)
    _check_approver(adjustment, by)
    _decide(adjustment, AdjustmentRequest.Status.REJECTED, by=by, note=note)
    if adjustment.collection_case_id is not None:
        collections.collection_case_credit_rejected(case_id=adjustment.collection_case_id, by=by, note=note)
    return adjustment


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
            complaint.escalated_at = now
            complaint.route_to = OFFICE_MANAGER
            complaint_transition(
                complaint=complaint,
                to_status=Status.ESCALATED,
                by=None,
                reason="meeting deadline passed",
                extra_fields=("escalated_at", "route_to"),
            )
            escalated += 1
    return escalated


@transaction.atomic
def complaint_escalate_not_satisfied(*, complaint_id: int, at: datetime, by: User | None) -> Complaint:
    """The patient was not satisfied at the follow-up call (patient_collections records it): the complaint goes
    back to the office manager."""
    complaint = _lock_complaint(complaint_id)
    complaint.route_to = OFFICE_MANAGER
    complaint.escalated_at = at
    complaint_transition(
        complaint=complaint,
        to_status=Status.ESCALATED,
        by=by,
        reason="not satisfied at the follow-up call",
        extra_fields=("route_to", "escalated_at"),
    )
    return complaint


@dataclass(frozen=True)
class PolicyDraft:
    """A proposed policy version as the office manager edits it: settings plus ordered rules."""

    approval_threshold: Decimal
    small_claim_threshold: Decimal
    follow_up_days: int
    rules: tuple[engine.Rule, ...]
    note: str = ""
    # Who approves when nobody but the requester may (a sole office manager's own request).
    deputy_approver_role: str = ""
    deputy_approver_id: int | None = None


def policy_draft_from(policy: Policy) -> PolicyDraft:
    snapshot = policy_snapshot(policy)
    return PolicyDraft(
        approval_threshold=snapshot.approval_threshold,
        small_claim_threshold=snapshot.small_claim_threshold,
        follow_up_days=snapshot.follow_up_days,
        rules=snapshot.rules,
        deputy_approver_role=policy.deputy_approver_role,
        deputy_approver_id=policy.deputy_approver_id,
    )


def _deputy_problems(draft: PolicyDraft) -> list[str]:
    problems = []
    if draft.deputy_approver_role and draft.deputy_approver_role not in STAFF_ROLES:
        problems.append(_("The deputy approver must be one of %(roles)s.") % {"roles": ", ".join(STAFF_ROLES)})
    if draft.deputy_approver_role == OFFICE_MANAGER:
        problems.append(
            _("The deputy approver stands in for the office manager, so it must be another role or a person.")
        )
    if not draft.deputy_approver_role and draft.deputy_approver_id is None:
        problems.append(
            _(
                "Name a deputy approver (a role, a person or both): they decide the requests nobody else may "
                "approve, such as a sole office manager's own request."
            )
        )
    if (
        draft.deputy_approver_id is not None
        and not User.objects.filter(pk=draft.deputy_approver_id, is_active=True, groups__name__in=STAFF_ROLES).exists()
    ):
        problems.append(_("The deputy approver must be an active member of staff."))
    return problems


def policy_validate(draft: PolicyDraft) -> list[str]:
    """Every reason the draft cannot become the policy; empty when it can."""
    problems = engine.validate_policy(draft.rules, small_claim_threshold=draft.small_claim_threshold)
    if draft.approval_threshold <= 0:
        problems.insert(0, _("The approval threshold must be above zero."))
    if draft.small_claim_threshold < 0:
        problems.insert(0, _("The small-claim threshold cannot be negative."))
    if not 1 <= draft.follow_up_days <= 60:
        problems.insert(0, _("The follow-up call must come 1 to 60 days after closing."))
    problems[0:0] = _deputy_problems(draft)
    return problems


@dataclass(frozen=True)
class SimulatedOutcome:
    route_to: str
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class SimulatedChange:
    complaint_id: int
    category: str
    before: SimulatedOutcome
    after: SimulatedOutcome | None  # None: the draft has no rule for these facts


@dataclass(frozen=True)
class Simulation:
    compared: int
    changes: tuple[SimulatedChange, ...]


def policy_simulate(*, draft: PolicyDraft, last: int = 200) -> Simulation:
    """Re-decide the last N complaints with the facts they were decided on; list the decisions that change."""
    snapshot = engine.PolicySnapshot(
        version=0,
        rules=draft.rules,
        approval_threshold=draft.approval_threshold,
        small_claim_threshold=draft.small_claim_threshold,
        follow_up_days=draft.follow_up_days,
    )
    decisions = list(
        Decision.objects.select_related("complaint").order_by("-decided_at", "-id")[: max(1, min(last, 5000))]
    )
    changes = []
    for stored in decisions:
        facts = engine.Facts(
            category=stored.facts["category"],
            disputed_amount=Decimal(stored.facts["disputed_amount"]),
            insurance_status=stored.facts["insurance_status"],
            invoice_age_days=int(stored.facts["invoice_age_days"]),
            earlier_complaints=int(stored.facts["earlier_complaints"]),
            channel=stored.facts.get("channel", "desk"),
        )
        before = SimulatedOutcome(stored.route_to, stored.proposal_kind, stored.proposal_amount)
        after: SimulatedOutcome | None
        try:
            new = engine.decide(facts, snapshot)
            after = SimulatedOutcome(new.route_to, new.proposal.kind, new.proposal.amount)
        except engine.PolicyError:
            after = None
        if before != after:
            changes.append(SimulatedChange(stored.complaint_id, stored.complaint.category, before, after))
    return Simulation(compared=len(decisions), changes=tuple(changes))


@transaction.atomic
def policy_publish(*, draft: PolicyDraft, by: User | None) -> Policy:
    """Validate the draft and make it the active policy as the next version; earlier versions stay for history."""
    problems = policy_validate(draft)
    if problems:
        raise ApplicationError(" ".join(problems), field="rules")
    current = Policy.objects.select_for_update().filter(is_active=True).first()
    latest_version = Policy.objects.order_by("-version").values_list("version", flat=True).first() or 0
    if current is not None:
        current.is_active = False
        current.save(update_fields=["is_active"])
    policy = Policy.objects.create(
        version=latest_version + 1,
        is_active=True,
        approval_threshold=draft.approval_threshold,
        small_claim_threshold=draft.small_claim_threshold,
        follow_up_days=draft.follow_up_days,
        deputy_approver_role=draft.deputy_approver_role,
        deputy_approver_id=draft.deputy_approver_id,
        note=draft.note.strip()[:300],
        created_by=by,
    )
    PolicyRule.objects.bulk_create(
        PolicyRule(
            policy=policy,
            position=rule.position,
            name=rule.name,
            categories=sorted(rule.categories),
            min_amount=rule.min_amount,
            max_amount=rule.max_amount,
            insurance_statuses=sorted(rule.insurance_statuses),
            min_invoice_age_days=rule.min_invoice_age_days,
            max_invoice_age_days=rule.max_invoice_age_days,
            min_earlier_complaints=rule.min_earlier_complaints,
            route_to=rule.route_to,
            meeting_within_hours=rule.meeting_within_hours,
            proposal_kind=rule.proposal_kind,
            proposal_percent=rule.proposal_percent,
            proposal_amount=rule.proposal_amount,
            approval_role=rule.approval_role or "",
            script=rule.script,
        )
        for rule in sorted(draft.rules, key=lambda r: r.position)
    )
    return policy
