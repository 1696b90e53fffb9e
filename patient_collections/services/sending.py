"""Sending a notice: claim it, commit, deliver, record; the day's letters recorded when printed; staff
settling a notice whose outcome is unknown; and the dispatcher that publishes the send tasks.

Sending re-checks the Reminder row under a lock, so a repeated or redelivered task never sends twice, and no
row lock is held while a channel is on the network.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clinic_billing.exceptions import InvalidTransition, NotFound, PermissionDenied
from clinic_billing.lifecycle import transition, transition_rows
from clinic_billing.roles import BILLING
from integration_events.models import EventType
from integration_events.services import event_record
from invoices import services as invoice_services
from invoices.models import Invoice
from patients.models import Channel

from .. import channels, permissions
from ..contact_hours import next_contact_time, within_contact_hours
from ..models import FollowUpCall, PortalMessage, Reminder, ReminderStep
from ..notices import INSTALMENT_STEPS, notice_text
from ..selectors import paused_invoices
from .calls import follow_up_call_open

# The Celery task that sends one notice (patient_collections/tasks.py).
SEND_REMINDER_TASK = "patient_collections.tasks.send_reminder"

# At most this many send tasks are published by one run of the dispatcher (every minute).
DISPATCH_BATCH = 500
# Why a queued notice was not sent. Stored in English (the record stays the same whoever reads it) and
# translated where it is shown: `{% translate reminder.skip_reason %}`.
SKIPPED_PAID = gettext_noop("paid before the notice went out")
SKIPPED_PAUSED = gettext_noop("collection paused (complaint, insurance, deferral or payment plan)")
SKIPPED_NO_CHANNEL = gettext_noop("no channel the patient accepts or can be reached on")
# The payment deadline of a missed-instalment notice, counted from its sending.
INSTALMENT_DEADLINE_DAYS = 14


def _move(reminder: Reminder, to: str, fields: list[str], *, by: User | None = None, reason: str = "") -> Reminder:
    """The one way a reminder changes status: checked against Reminder.LIFECYCLE, saved with only the fields
    that changed, and written to its history (who, when, why)."""
    return transition(reminder, to, by=by, reason=reason, extra_fields=fields)


def _held_back(reminder: Reminder, invoice: Invoice, *, today: date) -> str:
    """Why the notice must not leave today (the invoice locked by the caller), or "": paid meanwhile, or paused
    (disputed, insurance pending, deferred, or a plan kept, which holds all but the plan's own reminders).
    Asked when a notice is claimed and again when a letter is printed: a claim disputed in between is never
    pursued."""
    if invoice.patient_due <= 0:
        return SKIPPED_PAID
    paused = paused_invoices(today=today, by_plans=reminder.step < INSTALMENT_STEPS)
    if Invoice.objects.filter(pk=invoice.pk).filter(paused).exists():
        return SKIPPED_PAUSED
    return ""


def _skip(reminder: Reminder, reason: str) -> Reminder:
    reminder.skip_reason = reason[:200]
    return _move(reminder, Reminder.Status.SKIPPED, ["skip_reason", "attempts"], reason=reason)


def _record_sent(
    reminder: Reminder,
    invoice: Invoice,
    *,
    channel: str,
    sent_at: datetime,
    also: tuple[str, ...] = (),
    by: User | None = None,
) -> Reminder:
    """Mark a notice sent and post its fee, on the locked invoice, in the caller's transaction (`also`: other
    fields the caller changed, saved with it; `by`: the member of staff who recorded it, if not the system)."""
    fields = ["channel", "sent_at", "attempts", "attempt_id", "not_before", *also]
    if reminder.fee > 0 and reminder.fee_entry_id is None:
        reminder.fee_entry = invoice_services.invoice_charge_fee(
            invoice=invoice, amount=reminder.fee, reference=f"reminder-{reminder.pk}"
        )
        fields.append("fee_entry")
    reminder.channel = channel
    reminder.sent_at = sent_at
    reminder.not_before = None
    event_record(
        type=EventType.REMINDER_SENT,
        obj=reminder,
        patient_id=invoice.patient_id,
        data={
            "invoice": invoice.pk,
            "step": reminder.step,
            "notice_type": reminder.notice_type,
            "channel": channel,
            "fee": reminder.fee,
            "deadline": reminder.deadline,
        },
    )
    return _move(reminder, Reminder.Status.SENT, fields, by=by)


def _uncertain_after() -> timedelta:
    return timedelta(seconds=settings.REMINDER_UNCERTAIN_AFTER)


@transaction.atomic
def reminder_claim(*, reminder_id: int, now: datetime) -> tuple[Reminder, channels.Notice | None]:
    """Decide what a queued notice needs and, for email and SMS, claim it for one attempt: the reminder
    becomes `sending` with a fresh attempt id and the transaction commits before anything leaves.

    Returns the notice to deliver, or None when there is nothing to deliver now: already sent, skipped
    (paid, paused, no channel) with the reason, waiting for the contact hours, claimed by an attempt that
    may still be running, sent here and now (portal message, call: rows in this database, so they are
    recorded in this same transaction), or a letter, which waits for the print batch (`to_print`). A claim
    older than REMINDER_UNCERTAIN_AFTER belongs to an attempt that died (the send task's hard time limit is
    shorter): it is claimed again where a resend is safe (an SMS provider that deduplicates by reference),
    else it becomes `uncertain` for staff.
    """
    try:
        reminder = Reminder.objects.select_for_update().get(pk=reminder_id)
    except Reminder.DoesNotExist as exc:
        raise NotFound(_("No such reminder."), field="reminder") from exc
    if reminder.status == Reminder.Status.SENDING:
        assert reminder.claimed_at is not None  # set with the status
        if reminder.claimed_at > now - _uncertain_after():
            return reminder, None
        if not channels.resend_is_safe(reminder.channel):
            return _move(reminder, Reminder.Status.UNCERTAIN, []), None
    elif reminder.status != Reminder.Status.QUEUED:
        return reminder, None
    invoice = invoice_services.invoice_lock(invoice_id=reminder.invoice_id)
    reminder.attempts += 1
    today = timezone.localdate(now)
    if reminder.status == Reminder.Status.QUEUED:
        held = _held_back(reminder, invoice, today=today)
        if held:
            return _skip(reminder, held), None
    patient = invoice.patient
    step = ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION, number=reminder.step).first()
    if reminder.status == Reminder.Status.SENDING:
        channel = reminder.channel  # the stale attempt's channel: the resend goes where the first one went
    else:
        chosen = channels.choose_channel(patient, letter_only=step is not None and step.letter_only)
        if chosen is None:
            return _skip(reminder, SKIPPED_NO_CHANNEL), None
        channel = chosen
    local_now = timezone.localtime(now)
    if channel in (Channel.SMS, Channel.PHONE) and not within_contact_hours(local_now, settings.BILLING_JURISDICTION):
        reminder.not_before = next_contact_time(local_now, settings.BILLING_JURISDICTION)
        reminder.save(update_fields=["attempts", "not_before"])
        return reminder, None
    # The payment deadline the notice states counts from its sending: a notice that waited (contact hours, a
    # relay that was down) gives its full time from today. A letter gets it when it is printed.
    deadline_days = step.deadline_days if step is not None else INSTALMENT_DEADLINE_DAYS
    reminder.deadline = max(reminder.deadline or today, today + timedelta(days=deadline_days))
    text = notice_text(reminder, invoice, invoice.patient_due)
    reference = f"reminder-{reminder.pk}"
    if channel == Channel.PORTAL:
        PortalMessage.objects.create(patient=patient, subject=text.subject, body=text.body, reminder=reminder)
    elif channel == Channel.PHONE:
        follow_up_call_open(
            idempotency_key=f"{reference}-call",
            patient_id=patient.pk,
            invoice_id=invoice.pk,
            reason=FollowUpCall.Reason.OVERDUE_ACCOUNT,
            role=BILLING,
            due_at=now,
        )
    if channel == Channel.LETTER:
        # A letter leaves the office when staff print the day's batch: it is recorded sent, with its fee and the
        # deadline counted from that day, by reminders_record_printed.
        reminder.channel = channel
        reminder.not_before = None
        return _move(reminder, Reminder.Status.TO_PRINT, ["channel", "attempts", "not_before"]), None
    if channel in (Channel.PORTAL, Channel.PHONE):
        return _record_sent(reminder, invoice, channel=channel, sent_at=now, also=("deadline",)), None
    reminder.channel = channel
    reminder.attempt_id = uuid.uuid4()
    reminder.claimed_at = now
    reminder.not_before = None
    fields = ["channel", "attempt_id", "claimed_at", "not_before", "attempts", "deadline"]
    if reminder.status == Reminder.Status.SENDING:
        reminder.save(update_fields=fields)  # a new attempt on the same claim: no change of status
    else:
        _move(reminder, Reminder.Status.SENDING, fields)
    to = patient.email if channel == Channel.EMAIL else patient.phone
    return reminder, channels.Notice(
        reminder_id=reminder.pk, channel=channel, to=to, subject=text.subject, body=text.body
    )


def _locked_reminder(reminder_id: int) -> Reminder:
    try:
        return Reminder.objects.select_for_update().get(pk=reminder_id)
    except Reminder.DoesNotExist as exc:
        raise NotFound(_("No such reminder."), field="reminder") from exc


def _claimed(reminder_id: int, attempt_id: uuid.UUID | None) -> Reminder | None:
    """The reminder, locked, if `attempt_id` still holds its claim (a later attempt or staff may have taken it)."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder_id)
    if reminder.attempt_id != attempt_id or reminder.status not in (
        Reminder.Status.SENDING,
        Reminder.Status.UNCERTAIN,
    ):
        return None
    return reminder


@transaction.atomic
def reminder_record_sent(*, reminder_id: int, attempt_id: uuid.UUID | None, sent_at: datetime) -> Reminder:
    """Record that the channel took the notice of attempt `attempt_id` and post its fee (second transaction).

    Also when the claim was meanwhile judged `uncertain`: now the outcome is known.
    """
    reminder = _claimed(reminder_id, attempt_id)
    if reminder is None:
        return Reminder.objects.get(pk=reminder_id)
    invoice = invoice_services.invoice_lock(invoice_id=reminder.invoice_id)
    return _record_sent(reminder, invoice, channel=reminder.channel, sent_at=sent_at)


@transaction.atomic
def reminders_record_printed(*, now: datetime, by: User | None = None) -> list[int]:
    """Record every letter waiting for print as sent at `now`, when staff produce the print batch: post its fee
    and move its payment deadline to at least the step's deadline days from the print day, so the letter and
    the sweep count from the day it left the office. A letter whose invoice was paid or put on hold (a
    complaint, a deferral) since it was claimed is skipped, not printed. Idempotent: a letter already recorded
    is not waiting any more. Returns the ids recorded, in the order of their invoices (the lock order).
    `by`: the member of staff who prints (None for the system)."""
    refusal = permissions.print_batch_refusal(by)
    if refusal is not None:
        raise PermissionDenied(refusal)
    today = timezone.localdate(now)
    # Only the days are needed, not the fees: schedule_steps would price every step (and fail on a missing rate).
    deadline_days = dict(
        ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION).values_list("number", "deadline_days")
    )
    waiting = Reminder.objects.filter(status=Reminder.Status.TO_PRINT, channel=Channel.LETTER)
    recorded = []
    for reminder_id in waiting.order_by("invoice_id", "id").values_list("id", flat=True):
        reminder = _locked_reminder(reminder_id)
        if reminder.status != Reminder.Status.TO_PRINT:
            continue  # recorded by a print that ran at the same time
        invoice = invoice_services.invoice_lock(invoice_id=reminder.invoice_id)
        held = _held_back(reminder, invoice, today=today)
        if held:
            _skip(reminder, held)  # the sweep queues it again once the hold ends
            continue
        if reminder.step in deadline_days:
            earliest = today + timedelta(days=deadline_days[reminder.step])
            reminder.deadline = max(reminder.deadline or earliest, earliest)
        _record_sent(reminder, invoice, channel=Channel.LETTER, sent_at=now, also=("deadline",), by=by)
        recorded.append(reminder.pk)
    return recorded


@transaction.atomic
def reminder_release(*, reminder_id: int, attempt_id: uuid.UUID | None) -> Reminder:
    """Give a claim back (the channel did not take the notice): the reminder is queued for the retry."""
    reminder = _claimed(reminder_id, attempt_id)
    if reminder is None or reminder.status != Reminder.Status.SENDING:
        return Reminder.objects.get(pk=reminder_id)
    reminder.attempt_id = None
    return _move(reminder, Reminder.Status.QUEUED, ["attempt_id"])


@transaction.atomic
def reminder_mark_uncertain(*, reminder_id: int, attempt_id: uuid.UUID | None) -> Reminder:
    """The channel may have taken the notice: put it on the staff worklist instead of sending it again."""
    reminder = _claimed(reminder_id, attempt_id)
    if reminder is None or reminder.status != Reminder.Status.SENDING:
        return Reminder.objects.get(pk=reminder_id)
    return _move(reminder, Reminder.Status.UNCERTAIN, [])


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> Reminder:
    """Send a queued notice through the patient's channel and post its fee. Safe to call twice, and from
    several workers at once.

    Claim, commit, deliver, record: the claim commits before the notice leaves, no row lock is held while
    the channel is on the network, and the result is recorded in a second transaction by the attempt that
    holds the claim. When the channel surely did not take the notice the claim is released and
    DeliveryError raised (the task retries with back-off); when it may have, the reminder becomes `uncertain`
    for staff, unless resending is safe (then it is released and retried under the same reference).
    A reminder for an invoice that got paid, disputed or paused meanwhile is skipped with the reason.
    Phone and SMS wait for the contact hours (the reminder stays queued, `not_before` says until when).
    """
    now = now or timezone.now()
    reminder, notice = reminder_claim(reminder_id=reminder_id, now=now)
    if notice is None:
        return reminder
    try:
        channels.deliver(notice)
    except channels.DeliveryUncertain:
        if channels.resend_is_safe(notice.channel):
            reminder_release(reminder_id=reminder_id, attempt_id=reminder.attempt_id)
            raise
        return reminder_mark_uncertain(reminder_id=reminder_id, attempt_id=reminder.attempt_id)
    except channels.DeliveryError:
        reminder_release(reminder_id=reminder_id, attempt_id=reminder.attempt_id)
        raise
    return reminder_record_sent(reminder_id=reminder_id, attempt_id=reminder.attempt_id, sent_at=now)


def _refuse_unless_allowed(refusal: str | None, reminder: Reminder) -> None:
    """Raise the refusal of a staff action on a notice: a notice in the wrong state, or a user without the
    right."""
    if refusal is None:
        return
    if reminder.status != Reminder.Status.UNCERTAIN:
        raise InvalidTransition(refusal)
    raise PermissionDenied(refusal)


@transaction.atomic
def reminder_confirm_sent(*, reminder_id: int, by: User) -> Reminder:
    """Staff found the notice did go out (the mail log, the provider's report): record it as sent when it
    was claimed, and post its fee."""
    reminder = _locked_reminder(reminder_id)
    _refuse_unless_allowed(permissions.reminder_confirm_sent_refusal(by, reminder), reminder)
    invoice = invoice_services.invoice_lock(invoice_id=reminder.invoice_id)
    return _record_sent(
        reminder, invoice, channel=reminder.channel, sent_at=reminder.claimed_at or timezone.now(), by=by
    )


@transaction.atomic
def reminder_resend(*, reminder_id: int, by: User) -> Reminder:
    """Staff found the notice did not go out: queue it again; it leaves with the same reference and
    Message-ID, so a copy that arrived after all stays one message."""
    reminder = _locked_reminder(reminder_id)
    _refuse_unless_allowed(permissions.reminder_resend_refusal(by, reminder), reminder)
    reminder.attempt_id = None
    reminder.dispatched_at = timezone.now()
    _move(reminder, Reminder.Status.QUEUED, ["attempt_id", "dispatched_at"], by=by, reason="staff send it again")
    transaction.on_commit(lambda: enqueue_sends([reminder.pk]))
    return reminder


@dataclass(frozen=True)
class DispatchResult:
    published: list[int]
    uncertain: int
    reclaimable: int


@transaction.atomic
def reminders_dispatch(*, now: datetime, batch_size: int = DISPATCH_BATCH, enqueue: bool = True) -> DispatchResult:
    """The outbox drain (beat, every minute): publish a send task for every queued notice that is due and has
    none published recently, so a task lost with its worker, or never published because the worker died
    between a sweep's commit and its publishing, waits minutes rather than for the next sweep.

    A claim older than REMINDER_UNCERTAIN_AFTER belongs to an attempt that died: it becomes `uncertain`,
    or, where a resend is safe, gets a send task that claims it again.
    """
    stale = Reminder.objects.filter(status=Reminder.Status.SENDING, claimed_at__lt=now - _uncertain_after())
    reclaimable: list[int] = []
    if channels.resend_is_safe(Channel.SMS):
        reclaimable = list(stale.filter(channel=Channel.SMS).values_list("id", flat=True))
    # sending -> uncertain for every dead claim at once, with its history row. Locked, skipping the claims a
    # worker is recording at this moment: they are moved (or not) by that worker, and judged next minute if not.
    uncertain = len(
        transition_rows(
            stale.exclude(id__in=reclaimable).select_for_update(skip_locked=True),
            Reminder.Status.UNCERTAIN,
            reason="the attempt that claimed it died",
        )
    )
    due = list(
        Reminder.objects.filter(status=Reminder.Status.QUEUED)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .filter(
            Q(dispatched_at__isnull=True)
            | Q(dispatched_at__lt=now - timedelta(seconds=settings.REMINDER_REDISPATCH_AFTER))
        )
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    published = due + reclaimable
    if published:
        Reminder.objects.filter(id__in=published).update(dispatched_at=now)
    if enqueue:
        transaction.on_commit(lambda: enqueue_sends(published))
    return DispatchResult(published, uncertain, len(reclaimable))


def enqueue_sends(reminder_ids: list[int]) -> None:
    """Publish a send task for each notice (the sweeps, the dispatcher and a resend call it on commit).

    By the task's name: the tasks module calls these services, so the services never import it (an
    import-linter contract keeps it so). The registered task runs it, eagerly too when Celery is set to."""
    send = current_app.signature(SEND_REMINDER_TASK)
    for reminder_id in reminder_ids:
        send.delay(reminder_id)
