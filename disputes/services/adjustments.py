"""Adjustment requests: a reduction, write-off or credit waits for four-eyes approval; approving it posts the
ledger entry and its credit note. Money moves only through an approved AdjustmentRequest."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound, PermissionDenied
from clinic_billing.lifecycle import transition
from clinic_billing.roles import OFFICE_MANAGER
from clinic_billing.vocabulary import InsuranceStatus
from integration_events.models import EventType
from integration_events.services import event_record
from invoices import services as invoice_services
from invoices.models import LedgerEntry
from patient_collections import interface as collections

from .. import permissions
from ..models import AdjustmentRequest, Complaint, Policy, ProposalKind
from ..vocabulary import AFTER_INSURANCE_KINDS
from .policy_versions import policy_active


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

    For a complaint, for a collection case (then `invoice_id` names the case's invoice), or for the invoice alone
    (`invoice_credit_request`, a credit above the approval threshold). Refused when nobody
    but the requester could approve it (permissions.creation_refusal): such a request would wait for ever.
    """
    if complaint is not None:
        invoice_id = complaint.invoice_id
    if (complaint is not None and collection_case_id is not None) or invoice_id is None:
        raise ValueError("An adjustment request is for a complaint, a collection case and its invoice, or an invoice.")
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
    if adjustment.kind in AFTER_INSURANCE_KINDS and invoice.insurance_status == InsuranceStatus.PENDING:
        raise InvalidTransition(_("Reductions and write-offs wait until the insurer has settled this invoice."))
    complaint = adjustment.complaint
    entry = invoice_services.invoice_adjust(
        invoice=invoice,
        kind=AdjustmentRequest.KIND_TO_ENTRY[adjustment.kind],
        amount=adjustment.amount,
        reference=_reference_of(adjustment),
        note=adjustment.reason,
        by=by,
        requested_by=adjustment.requested_by,
        line_ids=list(complaint.lines.values_list("pk", flat=True)) if complaint is not None else [],
    )
    adjustment.ledger_entry = entry
    _decide(adjustment, AdjustmentRequest.Status.APPROVED, by=by, note=note, extra_fields=("ledger_entry",))
    if case_id is not None:
        collections.collection_case_credit_approved(case_id=case_id, entry=entry, by=by)
    event_record(
        type=EventType.ADJUSTMENT_APPROVED,
        obj=adjustment,
        patient_id=invoice.patient_id,
        data={
            "invoice": invoice.pk,
            "complaint": adjustment.complaint_id,
            "case": case_id,
            "kind": adjustment.kind,
            "amount": adjustment.amount,
            "ledger_entry": entry.pk,
        },
    )
    return adjustment


def _reference_of(adjustment: AdjustmentRequest) -> str:
    """The ledger entry's reference: what the credit was asked for on."""
    if adjustment.complaint_id is not None:
        return f"complaint-{adjustment.complaint_id}"
    if adjustment.collection_case_id is not None:
        return f"case-{adjustment.collection_case_id}"
    return f"credit-request-{adjustment.pk}"


@dataclass(frozen=True)
class CreditOutcome:
    """A credit asked for on an invoice: issued at once (`entry`, with its credit note), or waiting for a second
    pair of eyes (`adjustment`); exactly one is set."""

    entry: LedgerEntry | None = None
    adjustment: AdjustmentRequest | None = None


@transaction.atomic
def invoice_credit_request(*, invoice_id: int, amount: Decimal | None, reason: str, by: User) -> CreditOutcome:
    """Credit an issued invoice, with four-eyes where the active policy requires it.

    Up to the policy's approval threshold the credit note is issued at once (invoices.services.invoice_credit,
    its own numbered series); above it, only the office manager may approve a credit, so it waits as a pending
    reduction request in the approval queue (approving it posts the reduction and its credit note). `amount`
    None credits all that may still be credited.
    """
    if not reason.strip():
        raise ApplicationError(_("Say why the invoice is credited."), field="reason")
    invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
    room = invoice_services.invoice_credit_room(invoice=invoice)
    value = room.creditable if amount is None else amount
    room.check(value)
    policy = policy_active()
    if value <= policy.approval_threshold:
        entry = invoice_services.invoice_credit(invoice_id=invoice.pk, amount=value, reason=reason, by=by)
        return CreditOutcome(entry=entry)
    adjustment = adjustment_request_create(
        invoice_id=invoice.pk,
        kind=ProposalKind.REDUCTION,
        amount=value,
        reason=reason.strip(),
        required_role=OFFICE_MANAGER,
        by=by,
        policy=policy,
    )
    return CreditOutcome(adjustment=adjustment)


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
