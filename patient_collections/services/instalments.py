"""The instalment sweep: mark a plan's instalments paid or missed; a missed one gets a call and a notice."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clinic_billing.lifecycle import transition_rows
from clinic_billing.roles import BILLING
from disputes import interface as disputes
from integration_events.models import EventType
from integration_events.services import event_record

from ..models import FollowUpCall, Instalment, NoticeType, PaymentPlan, Reminder
from ..notices import INSTALMENT_STEPS
from ..selectors import invoices_patient_paid
from . import sending
from .calls import follow_up_call_open
from .sending import INSTALMENT_DEADLINE_DAYS

INSTALMENT_BATCH = 200


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


def _missed_instalment_call(*, plan: PaymentPlan, instalment: Instalment, now: datetime) -> None:
    """A missed instalment goes on the worklist, once per invoice while its call is open."""
    follow_up_call_open(
        idempotency_key=f"plan-{plan.pk}-instalment-{instalment.number}",
        patient_id=plan.invoice.patient_id,
        invoice_id=plan.invoice_id,
        reason=FollowUpCall.Reason.MISSED_INSTALMENT,
        role=BILLING,
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
            transaction.on_commit(lambda: sending.enqueue_sends(new_reminder_ids))
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
        paid = invoices_patient_paid(invoice_ids=[plan.invoice_id for plan in plans])
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
                    event_record(
                        type=EventType.PLAN_MISSED,
                        obj=plan,
                        patient_id=plan.invoice.patient_id,
                        data={
                            "invoice": plan.invoice_id,
                            "instalment": instalment.number,
                            "due_date": instalment.due_date,
                            "amount": instalment.amount,
                        },
                    )
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
