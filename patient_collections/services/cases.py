"""Collection cases: who decides what, the decision (credit, agency, conciliation board, withdraw), the credit's
approval or rejection, the tvistevarsel before the conciliation board, and the recall from the agency."""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound, PermissionDenied
from clinic_billing.lifecycle import transition
from clinic_billing.roles import OFFICE_MANAGER, PROVIDER, user_roles
from disputes import interface as disputes
from integration_events.models import EventType
from integration_events.services import event_record
from invoices import services as invoice_services
from invoices.models import LedgerEntry

from ..models import CollectionCase, ConciliationNotice

# Who decides what on a case. Credit or the conciliation board: the provider or the office manager (the
# provider knows the treatment the patient disputes). The agency and withdrawing a claim: the office manager.
# Credit is only asked for here: a colleague approves it (four-eyes, disputes.services.adjustment_approve).
DISPUTE_DECISIONS = (CollectionCase.Status.CREDITED, CollectionCase.Status.CONCILIATION)
DECIDERS: dict[str, set[str]] = {
    CollectionCase.Status.CREDITED: {OFFICE_MANAGER, PROVIDER},
    CollectionCase.Status.CONCILIATION: {OFFICE_MANAGER, PROVIDER},
    CollectionCase.Status.AGENCY: {OFFICE_MANAGER},
    CollectionCase.Status.WITHDRAWN: {OFFICE_MANAGER},
}
# The customary deadline of a Norwegian tvistevarsel (tvisteloven § 5-2), used for every profile.
CONCILIATION_NOTICE_DAYS = 14


def _lock_case(case_id: int) -> CollectionCase:
    try:
        return CollectionCase.objects.select_for_update().get(pk=case_id)
    except CollectionCase.DoesNotExist as exc:
        raise NotFound(_("No such case."), field="case") from exc


def collection_case_lock(*, case_id: int) -> CollectionCase:
    """Lock a case row for a service of another app that moves it (the approval of its credit)."""
    return _lock_case(case_id)


def case_is_open(case: CollectionCase) -> bool:
    """A case waits for a decision while proposed, and again once a complaint recalled it from the agency. A
    case whose credit waits for approval is not open: it is decided again only if the credit is rejected."""
    return case.status == CollectionCase.Status.PROPOSED or (
        case.status == CollectionCase.Status.AGENCY and case.recalled_at is not None
    )


def case_decider_refusal(user: User | AnonymousUser, decision: str) -> str | None:
    """Why `user` may not take `decision` on a case; None when they may. The case page offers only the
    decisions this answers None for, and the service refuses the others with this message."""
    if user_roles(user) & DECIDERS[decision]:
        return None
    if decision in DISPUTE_DECISIONS:
        return _("Only a provider or the office manager decides credit or conciliation.")
    return _("Only the office manager decides escalations.")


@transaction.atomic
def collection_case_decide(*, case_id: int, decision: str, note: str = "", by: User) -> CollectionCase:
    """Decide an escalation: credit the claim, the collection agency, the conciliation board, or withdraw.

    The provider or the office manager chooses credit or the conciliation board; only the office manager sends
    a claim to the agency or withdraws it. A disputed claim (complaint open, or the patient still disagrees)
    never goes to an agency. The conciliation board needs a tvistevarsel sent whose deadline has passed.
    A case recalled from the agency by a complaint is decided again.

    Credit is four-eyes: choosing it asks a colleague to approve the credit of what the patient owes now
    (disputes.services.case_credit_request). Meanwhile the case waits as "credit requested", still held (no
    reminder, no agency); approving it posts the credit and its credit note, rejecting it opens the case again.
    """
    if decision not in DECIDERS:
        raise ApplicationError(_("Choose credit, agency, conciliation board or withdraw."), field="decision")
    refusal = case_decider_refusal(by, decision)
    if refusal:
        raise PermissionDenied(refusal)
    case = _lock_case(case_id)
    if not case_is_open(case):
        if case.status == CollectionCase.Status.CREDIT_PENDING:
            raise InvalidTransition(_("The credit of this claim is waiting for approval."))
        raise InvalidTransition(_("This case was already decided."))
    invoice = invoice_services.invoice_lock(invoice_id=case.invoice_id)
    disputed = disputes.invoice_ids_disputed().filter(invoice_id=invoice.pk).exists()
    if decision == CollectionCase.Status.AGENCY and disputed:
        raise InvalidTransition(_("A disputed claim is never sent to a collection agency."), field="decision")
    if decision == CollectionCase.Status.CONCILIATION:
        notice = case.conciliation_notices.order_by("-sent_on", "-id").first()
        if notice is None:
            raise InvalidTransition(
                _("Send the pre-litigation notice (tvistevarsel) first; the board comes after its deadline."),
                field="decision",
            )
        if timezone.localdate() <= notice.answer_by:
            raise InvalidTransition(
                _("The pre-litigation notice gives the patient until %(day)s; choose the board after that.")
                % {"day": notice.answer_by.isoformat()},
                field="decision",
            )
    to_status = decision
    fields = ["decided_at", "decided_by", "note"]
    if decision == CollectionCase.Status.CREDITED:
        if invoice.patient_due <= 0:
            raise InvalidTransition(_("Nothing is owed any more."), field="decision")
        disputes.case_credit_request(
            case_id=case.pk, invoice_id=invoice.pk, amount=invoice.patient_due, note=note, by=by
        )
        to_status = CollectionCase.Status.CREDIT_PENDING
    if decision == CollectionCase.Status.AGENCY and case.recalled_at is not None:
        case.recalled_at = None  # the dispute is over and the claim goes back to the agency
        fields.append("recalled_at")
    case.decided_at = timezone.now()
    case.decided_by = by
    case.note = note.strip()[:300]
    transition(case, to_status, by=by, reason=note, extra_fields=fields)
    event_record(
        type=EventType.CASE_DECIDED,
        obj=case,
        patient_id=invoice.patient_id,
        data={"invoice": invoice.pk, "decision": decision, "status": case.status},
    )
    return case


def collection_case_credit_approved(*, case_id: int, entry: LedgerEntry, by: User) -> CollectionCase:
    """The credit a case asked for was approved and posted (disputes.services.adjustment_approve, inside its
    transaction): the case is credited, with the entry. Whoever chose credit stays the case's decider."""
    case = _lock_case(case_id)
    case.ledger_entry = entry
    return transition(
        case, CollectionCase.Status.CREDITED, by=by, reason="credit approved", extra_fields=["ledger_entry"]
    )


def collection_case_credit_rejected(*, case_id: int, by: User, note: str) -> CollectionCase:
    """The credit a case asked for was rejected (disputes.services.adjustment_reject, inside its transaction):
    the case waits for a decision again, as if credit had not been chosen; its history keeps what happened."""
    case = _lock_case(case_id)
    case.decided_at = None
    case.decided_by = None
    case.note = ""
    return transition(
        case, CollectionCase.Status.PROPOSED, by=by, reason=note, extra_fields=["decided_at", "decided_by", "note"]
    )


@transaction.atomic
def conciliation_notice_record(*, case_id: int, by: User) -> ConciliationNotice:
    """Record that the tvistevarsel went out on paper today; the patient has 14 days to pay or answer, and the
    conciliation board may be chosen only after that. Sending it again starts a new deadline."""
    refusal = case_decider_refusal(by, CollectionCase.Status.CONCILIATION)
    if refusal:
        raise PermissionDenied(refusal)
    case = _lock_case(case_id)
    if not case_is_open(case):
        raise InvalidTransition(_("This case was already decided."))
    today = timezone.localdate()
    return ConciliationNotice.objects.create(
        case=case, sent_on=today, answer_by=today + timedelta(days=CONCILIATION_NOTICE_DAYS), sent_by=by
    )


def collection_case_recall(*, invoice_id: int) -> CollectionCase | None:
    """A complaint about a claim at the collection agency recalls it: the case is flagged, leaves the agency's
    export, and the export carries a recall line telling the agency to stop. Idempotent; None when the invoice
    has no case at the agency (or it was recalled already)."""
    with transaction.atomic():
        case = (
            CollectionCase.objects.select_for_update()
            .filter(invoice_id=invoice_id, status=CollectionCase.Status.AGENCY, recalled_at__isnull=True)
            .first()
        )
        if case is None:
            return None
        case.recalled_at = timezone.now()
        case.save(update_fields=["recalled_at"])
        return case
