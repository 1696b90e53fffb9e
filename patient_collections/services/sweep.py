"""The reminder sweep: find the overdue invoices the schedule acts on today, queue their next notice, and
propose a collection case after the final one (or for a claim the patient still disputes).

The database is the source of truth and Celery only executes: the sweep finds due work in batches, each
notice is a Reminder row unique per (invoice, step), and sending (services.sending) re-checks the row under a
lock, so a repeated sweep never queues twice.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Mod, TruncDate
from django.utils import timezone

from clinic_billing.lifecycle import transition_rows
from invoices.models import Invoice

from .. import collection_state, schedule
from ..models import CollectionCase, Reminder, ReminderStep
from ..notices import INSTALMENT_STEPS
from ..selectors import paused_invoices
from . import sending
from .fees import schedule_steps
from .sending import SKIPPED_PAID, SKIPPED_PAUSED

# Invoices read, locked and decided per batch (one transaction). Each batch's candidate query hashes the collection
# cases and the held invoices once, whatever its size: at 2,000,000 invoices (260,000 cases) that is about half a
# second of PostgreSQL CPU, so 500 a batch spent 34 s of CPU on a 32,000-invoice sweep and 5,000 spend 14 s.
SWEEP_BATCH = 5000
DISPUTED_CASES_PER_SWEEP = 500  # cases proposed for still-disputed claims per sweep; the next sweep carries on


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
            transaction.on_commit(lambda: sending.enqueue_sends(queued))
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
        for invoice in still_disputed.only("id")[:DISPUTED_CASES_PER_SWEEP]
    ]
    if not cases:
        return 0
    return len(CollectionCase.objects.bulk_create(cases, ignore_conflicts=True))
