"""Collections: reminder sweeps and sending, payment plans, deferrals, instalments, escalation to a case.

The database is the source of truth and Celery only executes: sweeps find due work in batches, each
notice is a Reminder row unique per (invoice, step), and sending re-checks the row under a lock, so a
repeated or redelivered task never sends twice.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Mod, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound, PermissionDenied
from clinic_billing.lifecycle import transition, transition_rows
from clinic_billing.roles import OFFICE_MANAGER, PROVIDER, user_roles
from disputes import interface as disputes
from invoices import services as invoice_services
from invoices.models import Invoice, LedgerEntry
from invoices.money import CENT, MoneyError, to_money
from invoices.templatetags.money import local_date
from patients.models import Channel

from . import channels, collection_state, permissions, plans, schedule
from .contact_hours import next_contact_time, within_contact_hours
from .models import (
    CollectionCase,
    ConciliationNotice,
    Deferral,
    FeeRate,
    FollowUpCall,
    Instalment,
    NoticeType,
    PaymentPlan,
    PortalMessage,
    Reminder,
    ReminderStep,
)
from .notices import INSTALMENT_STEPS, notice_text
from .selectors import invoice_active_arrangement

SWEEP_BATCH = 500
INSTALMENT_BATCH = 200
# Why a queued notice was not sent. Stored in English (the record stays the same whoever reads it) and
# translated where it is shown: `{% translate reminder.skip_reason %}`.
SKIPPED_PAID = gettext_noop("paid before the notice went out")
SKIPPED_PAUSED = gettext_noop("collection paused (complaint, insurance, deferral or payment plan)")
SKIPPED_NO_CHANNEL = gettext_noop("no channel the patient accepts or can be reached on")
MAX_PLAN_MONTHS = 36
MAX_DEFERRAL_DAYS = 180
# The payment deadline of a missed-instalment notice, counted from its sending.
INSTALMENT_DEADLINE_DAYS = 14


def _rate_in_force(code: str, on: date) -> Decimal | None:
    rate = FeeRate.objects.filter(code=code, effective_from__lte=on).order_by("-effective_from").first()
    return rate.amount if rate is not None else None


def fee_amount(*, code: str, on: date) -> Decimal:
    """The fee in force on a day; zero when the step has no fee.

    A Norwegian fee code names a fraction of the inkassosats (schedule.DERIVED_FEES), priced from the sats in
    force that day; any other code is a rate of its own in the dated table.
    """
    if not code:
        return Decimal("0.00")
    rate_code, numerator, denominator = schedule.DERIVED_FEES.get(code, (code, 1, 1))
    rate = _rate_in_force(rate_code, on)
    if rate is None:
        raise ApplicationError(_("No fee rate %(code)s is in force on %(day)s.") % {"code": rate_code, "day": on})
    return schedule.derived_fee(rate, numerator, denominator)


def fee_base_rate(*, on: date) -> Decimal:
    """The rate that caps a notice's fee on a day (the inkassosats); zero where none is in force."""
    return _rate_in_force(schedule.INKASSOSATS, on) or Decimal("0.00")


def fee_codes() -> list[str]:
    """The fee codes a step may use: the fractions of the inkassosats, and every rate of its own."""
    own = FeeRate.objects.exclude(code=schedule.INKASSOSATS).order_by("code").values_list("code", flat=True)
    return sorted({*schedule.DERIVED_FEES, *own.distinct()})


def schedule_steps(*, on: date) -> tuple[schedule.Step, ...]:
    """The jurisdiction's schedule as the pure core sees it, with fees as they stand on `on`."""
    rates: dict[str, Decimal] = {}
    steps = []
    for row in ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION).order_by("number"):
        if row.fee_code and row.fee_code not in rates:
            rates[row.fee_code] = fee_amount(code=row.fee_code, on=on)
        steps.append(
            schedule.Step(
                number=row.number,
                days_after_due=row.days_after_due,
                notice_type=row.notice_type,
                fee=rates.get(row.fee_code, Decimal("0.00")),
                deadline_days=row.deadline_days,
                letter_only=row.letter_only,
                manager_approval=row.manager_approval,
            )
        )
    return tuple(steps)


def paused_invoices(*, today: date, by_plans: bool = True) -> Q:
    """Invoices collections leave alone today: a hold stops the clock (collection_state.HoldReason: disputed,
    still disputed, recalled from the agency, insurance pending, a deferral, and, unless `by_plans` is off for
    the plan's own instalment reminders, a kept payment plan), or a decided case ended the reminders."""
    # A decided case (credited, agency, conciliation board, withdrawn) ends the reminders: whatever still waited
    # from before it is never sent.
    return collection_state.held(today=today, by_plans=by_plans) | collection_state.case_decided()


def overdue_candidates(*, today: date, shard: int = 0, shards: int = 1, with_cases: bool = False) -> QuerySet[Invoice]:
    """The invoices whose collection state lets the schedule act today (collection_state.SCHEDULE_STATES:
    issued, owed, past due, no hold, no case), and with `with_cases` also those whose case waits for a
    decision: what the reminder sweep looks at, in id order. With `shards` > 1, only the invoices whose id falls
    in `shard`, so workers never overlap."""
    candidates = (
        Invoice.objects.filter(collection_state.owed_past_due(today=today))
        .with_patient_due()
        .filter(patient_due_amount__gt=0)  # type: ignore[misc]
        .exclude(paused_invoices(today=today))
    )
    if not with_cases:
        candidates = candidates.exclude(collection_state.has_case())
    if shards > 1:
        candidates = candidates.alias(shard_number=Mod("id", shards)).filter(shard_number=shard)
    return candidates.order_by("id")


def _notice_end(reminders: QuerySet[Reminder]) -> QuerySet[Reminder]:
    """Annotate `sent_on` (the local day the notice went out, or was queued) and `ends_on`, the last day of the
    payment deadline it gave: what `_sent_notices` gives the schedule, computed by the database."""
    return reminders.annotate(sent_on=TruncDate(Coalesce("sent_at", "created_at"))).annotate(
        ends_on=Coalesce("deadline", "sent_on")
    )


def sweep_candidates(
    *, today: date, steps: tuple[schedule.Step, ...], shard: int = 0, shards: int = 1
) -> QuerySet[Invoice]:
    """The overdue candidates (of one shard) the sweep has work on today, in SQL: the schedule's `next_step`
    or `escalation_due` would act, or a notice still waits to be sent (also on an invoice that already has a
    case: a queued notice is retried, never dropped). The pure schedule still decides each invoice; this only
    spares reading and locking the many whose next step is not due yet.

    Mirrors the schedule: the next step is the first one not sent; it waits for its day after the due date
    and for the deadline of the latest notice; the case waits for the deadline of the final notice. The
    stored deadline can only be earlier than the one counted from the sending, so this reads a superset.
    """
    # Scalar subqueries, not EXISTS: PostgreSQL evaluates each once per candidate row with an index lookup,
    # where EXISTS under OR would hash the whole reminder table in every batch.
    notices = Reminder.objects.filter(invoice_id=OuterRef("pk"), step__lt=INSTALMENT_STEPS)
    # A step not sent yet whose day has come. The schedule's next step is the first one not sent; the steps'
    # days grow with their number (validate_schedule), so one is due exactly when some unsent step is.
    day_of_step = Case(
        *(When(number=step.number, then=Value(today - timedelta(days=step.days_after_due))) for step in steps),
        output_field=DateField(),
    )
    unsent_step_due = (
        ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION)
        .alias(reached_by_due_date=day_of_step)
        .filter(reached_by_due_date__gte=OuterRef("due_date"))
        .exclude(Exists(Reminder.objects.filter(invoice_id=OuterRef(OuterRef("pk")), step=OuterRef("number"))))
        .order_by()
    )
    latest = _notice_end(notices).order_by("-sent_on", "step")  # the schedule's latest: max(sent_on), first step
    final = _notice_end(notices.filter(step=max(step.number for step in steps))).order_by()
    # Counted over the invoice's notices, so that the lookup goes through the invoice's index: filtered on the
    # status, PostgreSQL walks every queued notice of every invoice for each row.
    waiting = (
        Reminder.objects.filter(invoice_id=OuterRef("pk"))
        .order_by()
        .values("invoice_id")
        .annotate(queued=Count("pk", filter=RETRIED))
    )
    # A letter waiting for the print batch is not sent: like every unsent notice it blocks the next step and
    # the case, and the sweep has nothing to do for it (printing records it).
    printing = (
        Reminder.objects.filter(invoice_id=OuterRef("pk"))
        .order_by()
        .values("invoice_id")
        .annotate(to_print=Count("pk", filter=Q(status=Reminder.Status.TO_PRINT, step__lt=INSTALMENT_STEPS)))
    )
    return (
        overdue_candidates(today=today, shard=shard, shards=shards, with_cases=True)
        .alias(
            has_case=Exists(CollectionCase.objects.filter(invoice_id=OuterRef("pk"))),
            printing=Coalesce(Subquery(printing.values("to_print")), 0),
            unsent_step_due=Subquery(unsent_step_due.values("number")[:1]),
            latest_deadline=Subquery(latest.values("ends_on")[:1]),  # type: ignore[misc]
            final_deadline=Subquery(final.values("ends_on")[:1]),  # type: ignore[misc]
            waiting=Subquery(waiting.values("queued")),
        )
        .filter(
            (
                Q(has_case=False)
                & Q(printing=0)
                & (
                    (
                        Q(unsent_step_due__isnull=False)
                        & (Q(latest_deadline__isnull=True) | Q(latest_deadline__lt=today))
                    )
                    | Q(final_deadline__lt=today)
                )
            )
            | Q(waiting__gt=0)
        )
    )


# (step, status, sent_at, deadline, fee) of one notice, as the sweep reads it.
NoticeRow = tuple[int, str, datetime | None, date | None, Decimal]


def _sent_notices(
    rows: list[NoticeRow], steps: tuple[schedule.Step, ...]
) -> tuple[tuple[schedule.SentNotice, ...], tuple[int, ...]]:
    """The notices that went out, and the steps whose notice did not (yet): what the schedule counts from.

    Only a `sent` notice with its `sent_at` counts, and its deadline runs from the day it went out: at least
    the step's deadline days after the sending, whatever deadline was stored when it was queued. Every other
    status (queued, waiting for the contact hours, skipped, being sent, failed) is unsent and blocks.
    """
    deadline_days = {step.number: step.deadline_days for step in steps}
    sent, unsent = [], []
    for step, status, sent_at, deadline, fee in rows:
        if status != Reminder.Status.SENT or sent_at is None:
            unsent.append(step)
            continue
        sent_on = timezone.localdate(sent_at)
        stored_days = (deadline - sent_on).days if deadline else 0
        sent.append(
            schedule.SentNotice(
                number=step, sent_on=sent_on, deadline_days=max(stored_days, deadline_days.get(step, 0)), fee=fee
            )
        )
    return tuple(sent), tuple(unsent)


@dataclass(frozen=True)
class SweepResult:
    examined: int
    reminder_ids: list[int]
    cases_proposed: int


def reminders_sweep_batch(
    *,
    today: date,
    after: tuple[date, int] | None = None,
    batch_size: int = SWEEP_BATCH,
    enqueue: bool = True,
    shard: int = 0,
    shards: int = 1,
    steps: tuple[schedule.Step, ...] | None = None,
) -> tuple[SweepResult, tuple[date, int] | None]:
    """One batch of the reminder sweep: queue the next notice of every ready invoice and propose collection
    cases after the final notice. Only invoices with work today are read, and they are locked with SKIP
    LOCKED so several workers share the work.

    Invoices go in (due date, id) order, the order of the index of owed invoices, so a batch reads only those
    and not every invoice ever issued. Returns the result and where the next batch starts (None when the
    sweep is done). With `enqueue` off the caller sends the queued reminders itself (`run_billing_jobs`,
    which has no worker). `steps` saves reading the schedule again when the caller already has it.
    """
    if steps is None:
        steps = schedule_steps(on=today)
    if not steps:
        return SweepResult(0, [], 0), None
    with transaction.atomic():
        candidates = sweep_candidates(today=today, steps=steps, shard=shard, shards=shards)
        if after is not None:
            # The first condition alone bounds the index scan; the second drops what the last batch read.
            candidates = candidates.filter(due_date__gte=after[0]).exclude(due_date=after[0], id__lte=after[1])
        invoices = list(
            candidates.annotate(with_case=F("has_case"))
            .order_by("due_date", "id")  # type: ignore[misc]
            .select_for_update(skip_locked=True, of=("self",))
            .only("id", "due_date", "number")[:batch_size]  # the number names the invoice in the audit log
        )
        if not invoices:
            return SweepResult(0, [], 0), None
        invoice_ids = [invoice.pk for invoice in invoices]
        by_invoice: dict[int, list[NoticeRow]] = defaultdict(list)
        for invoice_id, *notice in (
            Reminder.objects.filter(invoice_id__in=invoice_ids, step__lt=INSTALMENT_STEPS)
            .order_by("invoice_id", "step")
            .values_list("invoice_id", "step", "status", "sent_at", "deadline", "fee")
        ):
            by_invoice[invoice_id].append(tuple(notice))  # type: ignore[arg-type]
        new_reminders: list[Reminder] = []
        new_cases: list[CollectionCase] = []
        for invoice in invoices:
            assert invoice.due_date is not None  # issued invoices have one
            if invoice.with_case:  # type: ignore[attr-defined]
                continue  # only its notices still waiting are retried below
            sent, unsent = _sent_notices(by_invoice[invoice.pk], steps)
            account = schedule.Account(
                due_date=invoice.due_date,
                patient_due=invoice.patient_due_amount,  # type: ignore[attr-defined]
                sent=sent,
                unsent=unsent,
            )
            step = schedule.next_step(account, steps, today)
            if step is not None:
                new_reminders.append(
                    Reminder(
                        invoice=invoice,
                        step=step.number,
                        notice_type=step.notice_type,
                        fee=step.fee,
                        deadline=today + timedelta(days=step.deadline_days),
                    )
                )
            elif schedule.escalation_due(account, steps, today):
                new_cases.append(CollectionCase(invoice=invoice, amount=account.patient_due))
        Reminder.objects.bulk_create(new_reminders, ignore_conflicts=True)
        CollectionCase.objects.bulk_create(new_cases, ignore_conflicts=True)
        if any(row[1] == Reminder.Status.SKIPPED for rows in by_invoice.values() for row in rows):
            # Only in a batch that read a skipped notice: the read of the retried ones, and when there are any,
            # their update and the insert of their history rows (one bare update before the lifecycle), whatever
            # their number.
            _notices_retry(invoice_ids=invoice_ids)
        # New notices, and older ones still waiting (for the contact hours, or a send that failed).
        queued = list(
            Reminder.objects.filter(invoice_id__in=invoice_ids, status=Reminder.Status.QUEUED).values_list(
                "id", flat=True
            )
        )
        if enqueue:
            # Published on this batch's commit. Marked in the same transaction: should the worker die between
            # the commit and the publishing, the dispatcher (every minute) publishes them instead.
            Reminder.objects.filter(id__in=queued).update(dispatched_at=timezone.now())
            transaction.on_commit(lambda: _enqueue_sends(queued))
    last = invoices[-1]
    next_batch = (last.due_date, last.pk) if len(invoices) == batch_size and last.due_date else None
    return SweepResult(len(invoices), queued, len(new_cases)), next_batch


# What the sweep sends again: a queued notice (waiting for the contact hours, or a send that failed), and a
# schedule notice skipped while the invoice was paid or on hold, once the invoice is a candidate again: the
# step is never passed over. A notice skipped for want of any channel stays skipped (it still blocks the next
# step) until someone records a way to reach the patient: retrying it every sweep would only skip it again.
RETRIED = Q(status=Reminder.Status.QUEUED) | Q(
    status=Reminder.Status.SKIPPED, step__lt=INSTALMENT_STEPS, skip_reason__in=(SKIPPED_PAID, SKIPPED_PAUSED)
)


def _notices_retry(*, invoice_ids: list[int]) -> None:
    """Put the retried skipped notices of the (locked) invoices back in the queue, in one update with their
    history. Their payment deadline is set when they go out (reminder_claim).

    No lock on the notices: a skipped notice changes only here, and the sweep holds its invoice's lock."""
    transition_rows(
        Reminder.objects.filter(RETRIED, invoice_id__in=invoice_ids, status=Reminder.Status.SKIPPED),
        Reminder.Status.QUEUED,
        reason="the invoice is a candidate again",
        skip_reason="",
    )


def _enqueue_sends(reminder_ids: list[int]) -> None:
    from .tasks import send_reminder

    for reminder_id in reminder_ids:
        send_reminder.delay(reminder_id)


def reminders_sweep(
    *, today: date, batch_size: int = SWEEP_BATCH, enqueue: bool = True, shard: int = 0, shards: int = 1
) -> SweepResult:
    """Every batch of the reminder sweep (of one shard), one after another, on the schedule read once."""
    examined, queued, cases = 0, [], 0
    after: tuple[date, int] | None = None
    steps = schedule_steps(on=today)
    while True:
        result, after = reminders_sweep_batch(
            today=today,
            after=after,
            batch_size=batch_size,
            enqueue=enqueue,
            shard=shard,
            shards=shards,
            steps=steps,
        )
        examined += result.examined
        queued += result.reminder_ids
        cases += result.cases_proposed
        if after is None:
            if shard == 0:
                cases += disputed_cases_propose(today=today)
            return SweepResult(examined, queued, cases)


def disputed_cases_propose(*, today: date) -> int:
    """Propose a case for each owed claim the patient still disputes after the complaint closed, so the provider
    or the office manager decides it (credit, or a tvistevarsel and the conciliation board): a disputed claim
    is held, and without a case nobody would be asked. Idempotent; returns how many cases were proposed."""
    still_disputed = (
        Invoice.objects.filter(status=Invoice.Status.ISSUED)
        .filter(collection_state.hold_conditions(today=today)[collection_state.HoldReason.STILL_DISPUTED])
        .exclude(collection_state.has_case())
        .with_patient_due()
        .filter(patient_due_amount__gt=0)  # type: ignore[misc]
        .order_by("id")
    )
    cases = [
        CollectionCase(invoice_id=invoice.pk, amount=invoice.patient_due_amount)  # type: ignore[attr-defined]
        for invoice in still_disputed.only("id")[:SWEEP_BATCH]
    ]
    if not cases:
        return 0
    return len(CollectionCase.objects.bulk_create(cases, ignore_conflicts=True))


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
            role="billing",
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
    transaction.on_commit(lambda: _enqueue_sends([reminder.pk]))
    return reminder


@dataclass(frozen=True)
class DispatchResult:
    published: list[int]
    uncertain: int
    reclaimable: int


@transaction.atomic
def reminders_dispatch(*, now: datetime, batch_size: int = SWEEP_BATCH, enqueue: bool = True) -> DispatchResult:
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
        transaction.on_commit(lambda: _enqueue_sends(published))
    return DispatchResult(published, uncertain, len(reclaimable))


def _patient_paid(invoice_ids: list[int]) -> dict[int, Decimal]:
    """Net patient payments per invoice (payments less their reversals), positive."""
    rows = (
        LedgerEntry.objects.filter(invoice_id__in=invoice_ids)
        .filter(
            Q(kind=LedgerEntry.Kind.PATIENT_PAYMENT)
            | Q(kind=LedgerEntry.Kind.REVERSAL, reverses__kind=LedgerEntry.Kind.PATIENT_PAYMENT)
        )
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["invoice_id"]: -Decimal(row["total"]).quantize(CENT) for row in rows}


def arrangement_refusal(arrangement: PaymentPlan | Deferral) -> str:
    """Why a new plan or deferral waits for the choice to replace `arrangement`, in the reader's words."""
    if isinstance(arrangement, Deferral):
        return _("This bill is deferred until %(day)s; choose to replace the deferral.") % {
            "day": local_date(arrangement.until)
        }
    return _("This bill has a payment plan that is being kept; choose to replace the payment plan.")


def _arrangement_to_replace(*, invoice: Invoice, replace: bool, by: User | None) -> PaymentPlan | Deferral | None:
    """The arrangement a new one would replace (call with the invoice locked): refused unless `replace`, and
    a plan being kept unless `by` may cancel it (permissions.arrangement_replace_refusal)."""
    current = invoice_active_arrangement(invoice_id=invoice.pk, today=timezone.localdate())
    if current is not None and not replace:
        raise InvalidTransition(arrangement_refusal(current), field="invoice")
    refusal = permissions.arrangement_replace_refusal(by, current)
    if refusal is not None:
        raise PermissionDenied(refusal, field="replace_arrangement")
    return current


def _arrangement_end(arrangement: PaymentPlan | Deferral | None, *, by: User | None) -> None:
    """End the arrangement a new one replaces; saved one by one, so the audit log says who ended it."""
    now = timezone.now()
    if isinstance(arrangement, PaymentPlan):
        arrangement.ended_at = now
        transition(arrangement, PaymentPlan.Status.CANCELLED, by=by, reason="replaced", extra_fields=["ended_at"])
    elif isinstance(arrangement, Deferral):
        arrangement.ended_at = now
        arrangement.ended_by = by
        arrangement.save(update_fields=["ended_at", "ended_by"])


@transaction.atomic
def payment_plan_create(
    *,
    invoice_id: int,
    instalments: int | None = None,
    monthly_amount: Decimal | str | None = None,
    first_due: date | None = None,
    replace_arrangement: bool = False,
    by: User | None,
) -> PaymentPlan:
    """Spread what the patient owes over monthly instalments; reminders pause while the plan is kept.

    A running deferral or plan is refused unless `replace_arrangement`: then it ends in this transaction."""
    invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
    if invoice.status != Invoice.Status.ISSUED:
        raise InvalidTransition(_("Only an issued invoice can be paid by instalments."), field="invoice")
    owed = invoice.patient_due
    if owed <= 0:
        raise ApplicationError(_("Nothing is owed on this invoice."), field="invoice")
    ending = _arrangement_to_replace(invoice=invoice, replace=replace_arrangement, by=by)
    if (instalments is None) == (monthly_amount is None):
        raise ApplicationError(_("Give either the number of instalments or the monthly amount."), field="instalments")
    if monthly_amount is not None:
        try:
            monthly = to_money(monthly_amount)
        except MoneyError as exc:
            raise ApplicationError(str(exc), field="monthly_amount") from exc
        if monthly <= 0:
            raise ApplicationError(_("The monthly amount must be greater than zero."), field="monthly_amount")
        count = plans.instalment_count(owed=owed, monthly_amount=monthly)
        amounts = (
            plans.amounts_of_monthly(owed=owed, monthly_amount=monthly, count=count) if count <= MAX_PLAN_MONTHS else []
        )
    else:
        assert instalments is not None
        count = instalments
        if count < 2:
            raise ApplicationError(_("A plan has at least two instalments."), field="instalments")
        amounts = plans.amounts_in_equal_parts(owed=owed, count=count) if count <= MAX_PLAN_MONTHS else []
    if count > MAX_PLAN_MONTHS:
        raise ApplicationError(
            _("A plan may last at most %(months)s months.") % {"months": MAX_PLAN_MONTHS}, field="instalments"
        )
    if sum(amounts) != owed or any(a <= 0 for a in amounts):
        raise ApplicationError(_("The instalments must add up to what is owed."), field="instalments")
    start = first_due or plans.first_due_date(today=timezone.localdate())
    if start < timezone.localdate():
        raise ApplicationError(_("The first instalment cannot be due in the past."), field="first_due")
    _arrangement_end(ending, by=by)
    plan = PaymentPlan.objects.create(
        invoice=invoice,
        total=owed,
        paid_before=_patient_paid([invoice.pk]).get(invoice.pk, Decimal("0.00")),
        created_by=by,
    )
    Instalment.objects.bulk_create(
        Instalment(plan=plan, number=planned.number, due_date=planned.due_date, amount=planned.amount)
        for planned in plans.instalment_schedule(amounts=amounts, first_due=start)
    )
    return plan


@transaction.atomic
def deferral_create(
    *,
    invoice_id: int,
    until: date,
    reason: str = "",
    replace_arrangement: bool = False,
    self_service: bool = False,
    by: User | None,
) -> Deferral:
    """Move collection of an invoice to a later date the patient can keep; reminders wait until then.

    A running deferral or plan is refused unless `replace_arrangement`: then it ends in this transaction.
    `self_service` (the patient in the portal) never replaces anything and gets one deferral per invoice: a
    bill deferred before, even by billing, needs billing to agree the next one."""
    invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
    today = timezone.localdate()
    if invoice.status != Invoice.Status.ISSUED:
        raise InvalidTransition(_("Only an issued invoice can be deferred."), field="invoice")
    if self_service and Deferral.objects.filter(invoice=invoice).exists():
        raise InvalidTransition(
            _("This bill has been deferred before; billing agrees any further deferral."), field="invoice"
        )
    ending = _arrangement_to_replace(invoice=invoice, replace=replace_arrangement and not self_service, by=by)
    if until <= today:
        raise ApplicationError(_("Choose a date after today."), field="until")
    if until > today + timedelta(days=MAX_DEFERRAL_DAYS):
        raise ApplicationError(
            _("A deferral may last at most %(days)s days; offer a payment plan instead.") % {"days": MAX_DEFERRAL_DAYS},
            field="until",
        )
    _arrangement_end(ending, by=by)
    return Deferral.objects.create(invoice=invoice, until=until, reason=reason.strip()[:300], created_by=by)


def instalments_sweep(*, today: date, enqueue: bool = True, batch_size: int = INSTALMENT_BATCH) -> int:
    """Every batch of the instalment sweep, one after another. Returns how many instalments were missed."""
    missed, after = 0, 0
    while True:
        batch_missed, after_id = instalments_sweep_batch(
            today=today, after=after, batch_size=batch_size, enqueue=enqueue
        )
        missed += batch_missed
        if after_id is None:
            return missed
        after = after_id


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


def _add_request_note(call: FollowUpCall, note: str) -> None:
    if not note or note in call.request_note:
        return
    max_length = FollowUpCall._meta.get_field("request_note").max_length or len(note)
    call.request_note = (f"{call.request_note}\n\n{note}" if call.request_note else note)[:max_length]
    call.save(update_fields=["request_note"])


def _missed_instalment_call(*, plan: PaymentPlan, instalment: Instalment, now: datetime) -> None:
    """A missed instalment goes on the worklist, once per invoice while its call is open."""
    follow_up_call_open(
        idempotency_key=f"plan-{plan.pk}-instalment-{instalment.number}",
        patient_id=plan.invoice.patient_id,
        invoice_id=plan.invoice_id,
        reason=FollowUpCall.Reason.MISSED_INSTALMENT,
        role="billing",
        due_at=now,
    )


def instalments_sweep_batch(
    *, today: date, after: int = 0, batch_size: int = INSTALMENT_BATCH, enqueue: bool = True
) -> tuple[int, int | None]:
    """One batch of the instalment sweep: mark instalments paid or missed. A missed one creates a follow-up
    call (one open per invoice) and a notice naming the instalment; a plan whose invoice is settled completes
    itself. Plans are read in id order after `after` and locked with SKIP LOCKED, so several workers share the
    work as in the reminder sweep. Returns how many instalments were missed and where the next batch starts
    (None when the sweep is done)."""
    missed = 0
    new_reminder_ids: list[int] = []
    with transaction.atomic():
        if enqueue:
            transaction.on_commit(lambda: _enqueue_sends(new_reminder_ids))
        plans = list(
            PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE, pk__gt=after)
            # A disputed claim is not pursued: no instalment is judged missed and no call made while it is;
            # the instalments that fell due meanwhile are judged when the dispute ends.
            .exclude(invoice_id__in=disputes.invoice_ids_disputed())
            .select_related("invoice")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")[:batch_size]
        )
        if not plans:
            return 0, None
        paid = _patient_paid([plan.invoice_id for plan in plans])
        due_by_plan: dict[int, list[Instalment]] = defaultdict(list)
        for instalment in Instalment.objects.filter(plan__in=plans).order_by("number"):
            due_by_plan[instalment.plan_id].append(instalment)
        now = timezone.now()
        settled: list[int] = []
        judged: dict[str, list[int]] = {Instalment.Status.PAID: [], Instalment.Status.MISSED: []}
        for plan in plans:
            if plan.invoice.patient_due <= 0:
                settled.append(plan.pk)
                continue
            paid_towards_plan = paid.get(plan.invoice_id, Decimal("0.00")) - plan.paid_before
            cumulative = Decimal("0.00")
            for instalment in due_by_plan[plan.pk]:
                cumulative += instalment.amount
                if instalment.status != Instalment.Status.DUE or instalment.due_date >= today:
                    continue
                if paid_towards_plan >= cumulative:
                    judged[Instalment.Status.PAID].append(instalment.pk)
                else:
                    judged[Instalment.Status.MISSED].append(instalment.pk)
                    missed += 1
                    _missed_instalment_call(plan=plan, instalment=instalment, now=now)
                    reminder, created = Reminder.objects.get_or_create(
                        invoice_id=plan.invoice_id,
                        step=INSTALMENT_STEPS + instalment.number,
                        defaults={
                            "notice_type": NoticeType.REMINDER,
                            "deadline": today + timedelta(days=INSTALMENT_DEADLINE_DAYS),
                        },
                    )
                    if created:
                        new_reminder_ids.append(reminder.pk)
        # The plans are locked, and nothing else changes their instalments: one update per new status, with
        # its history rows, whatever the batch holds.
        for status, instalment_ids in judged.items():
            if instalment_ids:
                transition_rows(Instalment.objects.filter(pk__in=instalment_ids), status, reason="instalment sweep")
        if settled:
            transition_rows(
                PaymentPlan.objects.filter(pk__in=settled),
                PaymentPlan.Status.COMPLETED,
                reason="the invoice is settled",
                ended_at=now,
            )
    return missed, (plans[-1].pk if len(plans) == batch_size else None)


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
    return transition(case, to_status, by=by, reason=note, extra_fields=fields)


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
