"""Follow-up calls: the worklist's calls, one open per reason per invoice, and the outcome of each attempt."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound
from disputes import interface as disputes
from patients.models import Channel

from ..models import FollowUpCall, PortalMessage


def follow_up_call_open(
    *, idempotency_key: str, patient_id: int, invoice_id: int | None, reason: str, **fields: object
) -> tuple[FollowUpCall, bool]:
    """The call to make for `reason` about an invoice: the open one if there is one, else a new one. Returns the
    call and whether it was created.

    One open call per reason per invoice (a database constraint holds it too): a second missed instalment, a
    second notice by phone or a second request from the portal is the same conversation, not another line on
    the worklist. What the patient asked the second time is added to the open call's note, so nothing is lost.
    A complaint's follow-up call is per complaint. The same `idempotency_key` again returns the same call.
    """
    with transaction.atomic():
        existing = FollowUpCall.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
        if invoice_id is not None and reason != FollowUpCall.Reason.COMPLAINT_FOLLOW_UP:
            open_call = (
                FollowUpCall.objects.select_for_update()
                .filter(invoice_id=invoice_id, reason=reason, completed_at__isnull=True)
                .first()
            )
            if open_call is not None:
                _add_request_note(open_call, str(fields.get("request_note", "")))
                return open_call, False
        try:
            with transaction.atomic():
                call = FollowUpCall.objects.create(
                    idempotency_key=idempotency_key,
                    patient_id=patient_id,
                    invoice_id=invoice_id,
                    reason=reason,
                    **fields,
                )
            return call, True
        except IntegrityError:
            # A concurrent request made the call (same key, or the invoice's open call) between the read and here.
            same_key = FollowUpCall.objects.filter(idempotency_key=idempotency_key).first()
            if same_key is not None:
                return same_key, False
            if invoice_id is None:
                raise
            open_call = FollowUpCall.objects.select_for_update().get(
                invoice_id=invoice_id, reason=reason, completed_at__isnull=True
            )
            _add_request_note(open_call, str(fields.get("request_note", "")))
            return open_call, False


@transaction.atomic
def follow_up_call_record_outcome(*, call_id: int, outcome: str, note: str = "", by: User | None) -> FollowUpCall:
    """Record a call. "No answer" tries again the next day; "not satisfied" goes back to the office manager."""
    if outcome not in FollowUpCall.Outcome.values:
        raise ApplicationError(_("Choose the outcome of the call."), field="outcome")
    try:
        call = FollowUpCall.objects.select_for_update().get(pk=call_id)
    except FollowUpCall.DoesNotExist as exc:
        raise NotFound(_("No such call."), field="call") from exc
    if call.completed_at is not None:
        raise InvalidTransition(_("This call is already recorded."))
    now = timezone.now()
    call.attempts += 1
    call.outcome_note = note.strip()[:500]
    if outcome == FollowUpCall.Outcome.NO_ANSWER:
        call.outcome = outcome
        call.due_at = now + timedelta(days=1)
        call.save(update_fields=["attempts", "outcome", "outcome_note", "due_at"])
        return call
    call.outcome = outcome
    call.completed_at = now
    call.completed_by = by
    call.save(update_fields=["attempts", "outcome", "outcome_note", "completed_at", "completed_by"])
    if outcome == FollowUpCall.Outcome.NOT_SATISFIED and call.complaint_id:
        disputes.complaint_escalate_not_satisfied(complaint_id=call.complaint_id, at=now, by=by)
    return call


@transaction.atomic
def follow_up_call_write_instead(*, call_id: int, message: str, by: User | None) -> FollowUpCall:
    """Carry out a call to a patient who has no phone number in writing, and mark the call done.

    A patient with a portal account gets `message` in their portal inbox (sent here); otherwise the desk posts a
    letter and `message` notes what it said. A patient with a phone number is called instead (refused here).
    """
    try:
        call = FollowUpCall.objects.select_for_update().select_related("patient").get(pk=call_id)
    except FollowUpCall.DoesNotExist as exc:
        raise NotFound(_("No such call."), field="call") from exc
    if call.completed_at is not None:
        raise InvalidTransition(_("This call is already recorded."))
    channel = call.channel
    if channel == Channel.PHONE:
        raise ApplicationError(_("This patient has a phone number now: call them instead."), field="message")
    text = message.strip()
    if channel == Channel.PORTAL:
        if not text:
            raise ApplicationError(_("Write the message the patient will read."), field="message")
        with translation.override(call.patient.language or None):
            subject = _("About your account")
        PortalMessage.objects.create(patient_id=call.patient_id, subject=subject, body=text)
    call.attempts += 1
    call.outcome = FollowUpCall.Outcome.DONE
    call.outcome_note = f"{Channel(channel).label}: {text}".strip(" :")[:500]
    call.completed_at = timezone.now()
    call.completed_by = by
    call.save(update_fields=["attempts", "outcome", "outcome_note", "completed_at", "completed_by"])
    return call


def _add_request_note(call: FollowUpCall, note: str) -> None:
    if not note or note in call.request_note:
        return
    max_length = FollowUpCall._meta.get_field("request_note").max_length or len(note)
    call.request_note = (f"{call.request_note}\n\n{note}" if call.request_note else note)[:max_length]
    call.save(update_fields=["request_note"])
