"""Reminders, payment plans and instalments move through their lifecycle: an allowed move writes who, when,
from, to and why; a move the table does not allow is refused in words and changes nothing; the sweeps move
their rows in batches whose query count does not grow with the batch."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from clinic_billing.exceptions import InvalidTransition
from clinic_billing.lifecycle import transition
from invoices import services as invoice_services
from patient_collections import services
from patient_collections.models import (
    Instalment,
    InstalmentStatusChange,
    PaymentPlan,
    PaymentPlanStatusChange,
    Reminder,
    ReminderStatusChange,
)
from tests.factories import issue

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
# A Wednesday morning, weeks after the invoices fell due (19 January).
NOW = datetime(2026, 2, 4, 10, 0, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def pay(invoice, amount: str = "500.00") -> None:
    invoice_services.payment_record(
        invoice_id=invoice.pk, amount=Decimal(amount), payer="patient", method="card", by=None
    )


def history(model, **subject) -> list[tuple[str, str, object, str]]:
    return list(model.objects.filter(**subject).values_list("from_status", "to_status", "changed_by", "reason"))


# --- Reminder ------------------------------------------------------------------------------------------------


def test_it_records_who_sent_an_uncertain_notice_again(letter_patient, billing):
    reminder = Reminder.objects.create(
        invoice=issue(letter_patient), step=1, notice_type="reminder", status=Reminder.Status.UNCERTAIN
    )

    services.reminder_resend(reminder_id=reminder.pk, by=billing)

    assert Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.QUEUED
    assert history(ReminderStatusChange, reminder=reminder) == [
        ("uncertain", "queued", billing.pk, "staff send it again")
    ]


def test_it_refuses_to_move_a_sent_notice_back_to_the_queue_and_changes_nothing(letter_patient):
    reminder = Reminder.objects.create(
        invoice=issue(letter_patient), step=1, notice_type="reminder", status=Reminder.Status.SENT, sent_at=NOW
    )

    with pytest.raises(InvalidTransition, match=r"This notice cannot go from sent to queued\."):
        transition(reminder, Reminder.Status.QUEUED, by=None)

    assert Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.SENT
    assert not ReminderStatusChange.objects.exists()


def test_the_sweep_requeues_skipped_notices_with_their_history_in_a_fixed_number_of_queries(
    letter_patient, django_assert_num_queries
):
    def skipped_notices(count: int) -> None:
        for _ in range(count):
            Reminder.objects.create(
                invoice=issue(letter_patient),
                step=1,
                notice_type="reminder",
                status=Reminder.Status.SKIPPED,
                skip_reason=services.SKIPPED_PAUSED,
            )

    skipped_notices(2)
    day = NOW.date()
    # 1. schedule steps  2. fee rate  3. savepoint  4. invoices (locked)  5. their notices  6. the skipped ones to
    # retry  7. their update  8. their history rows  9. queued ids  10. release savepoint. No new notice: step 1
    # is there, and step 2 waits for the first one to go out.
    with django_assert_num_queries(10):
        services.reminders_sweep_batch(today=day, enqueue=False)
    Reminder.objects.update(status=Reminder.Status.SKIPPED, skip_reason=services.SKIPPED_PAUSED)  # paused again
    skipped_notices(5)
    with django_assert_num_queries(10):
        services.reminders_sweep_batch(today=day, enqueue=False)

    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.QUEUED}
    assert ReminderStatusChange.objects.filter(from_status="skipped", to_status="queued").count() == 2 + 7


def test_the_dispatcher_judges_a_dead_claim_uncertain_with_its_history(letter_patient, settings):
    reminder = Reminder.objects.create(
        invoice=issue(letter_patient),
        step=1,
        notice_type="reminder",
        channel="email",
        status=Reminder.Status.SENDING,
        claimed_at=NOW - timedelta(seconds=settings.REMINDER_UNCERTAIN_AFTER + 1),
    )

    result = services.reminders_dispatch(now=NOW, enqueue=False)

    assert result.uncertain == 1
    assert Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.UNCERTAIN
    assert history(ReminderStatusChange, reminder=reminder) == [
        ("sending", "uncertain", None, "the attempt that claimed it died")
    ]


# --- PaymentPlan -----------------------------------------------------------------------------------------------


def test_a_plan_replaced_by_a_deferral_is_cancelled_with_who_and_why(letter_patient, billing):
    invoice = issue(letter_patient)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=billing)

    services.deferral_create(
        invoice_id=invoice.pk, until=NOW.date() + timedelta(days=20), replace_arrangement=True, by=billing
    )

    plan.refresh_from_db()
    assert (plan.status, plan.ended_at) == (PaymentPlan.Status.CANCELLED, timezone.now())
    assert history(PaymentPlanStatusChange, plan=plan) == [("active", "cancelled", billing.pk, "replaced")]


def test_it_refuses_to_complete_a_cancelled_plan_and_changes_nothing(letter_patient, billing):
    invoice = issue(letter_patient)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=billing)
    services.payment_plan_create(invoice_id=invoice.pk, instalments=3, replace_arrangement=True, by=billing)
    plan.refresh_from_db()

    with pytest.raises(InvalidTransition, match=r"A payment plan that is cancelled cannot become completed\."):
        transition(plan, PaymentPlan.Status.COMPLETED, by=billing)

    assert PaymentPlan.objects.get(pk=plan.pk).status == PaymentPlan.Status.CANCELLED
    assert PaymentPlanStatusChange.objects.filter(plan=plan).count() == 1


def test_the_sweep_completes_the_plan_of_a_settled_invoice_with_its_history(letter_patient):
    invoice = issue(letter_patient)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    pay(invoice)

    services.instalments_sweep(today=NOW.date(), enqueue=False)

    plan.refresh_from_db()
    assert (plan.status, plan.ended_at) == (PaymentPlan.Status.COMPLETED, timezone.now())
    assert history(PaymentPlanStatusChange, plan=plan) == [("active", "completed", None, "the invoice is settled")]


# --- Instalment ------------------------------------------------------------------------------------------------


def test_the_sweep_marks_instalments_paid_and_missed_with_their_history(letter_patient):
    invoice = issue(letter_patient)
    first_due = NOW.date() - timedelta(days=40)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=4, first_due=NOW.date(), by=None)
    Instalment.objects.filter(plan=plan).update(due_date=first_due)  # the first two fell due before today
    Instalment.objects.filter(plan=plan, number__gt=2).update(due_date=NOW.date() + timedelta(days=30))
    pay(invoice, "125.00")

    assert services.instalments_sweep(today=NOW.date(), enqueue=False) == 1

    statuses = dict(Instalment.objects.filter(plan=plan).values_list("number", "status"))
    assert statuses == {1: "paid", 2: "missed", 3: "due", 4: "due"}
    changes = InstalmentStatusChange.objects.filter(instalment__plan=plan).order_by("instalment__number")
    assert [(c.instalment.number, c.from_status, c.to_status, c.reason) for c in changes] == [
        (1, "due", "paid", "instalment sweep"),
        (2, "due", "missed", "instalment sweep"),
    ]


def test_it_refuses_to_mark_a_paid_instalment_missed_and_changes_nothing(letter_patient):
    invoice = issue(letter_patient)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, first_due=NOW.date(), by=None)
    instalment = plan.instalments.get(number=1)
    transition(instalment, Instalment.Status.PAID, by=None)

    with pytest.raises(InvalidTransition, match=r"An instalment that is paid cannot become missed\."):
        transition(instalment, Instalment.Status.MISSED, by=None)

    assert Instalment.objects.get(pk=instalment.pk).status == Instalment.Status.PAID
    assert InstalmentStatusChange.objects.filter(instalment=instalment).count() == 1


def test_the_instalment_sweep_marks_paid_instalments_in_a_fixed_number_of_queries(
    letter_patient, django_assert_num_queries
):
    def plans_paid_on_time(count: int) -> None:
        for _ in range(count):
            invoice = issue(letter_patient)
            services.payment_plan_create(invoice_id=invoice.pk, instalments=2, first_due=NOW.date(), by=None)
            pay(invoice, "250.00")

    later = NOW.date() + timedelta(days=1)  # the first instalments fell due yesterday, and are paid
    plans_paid_on_time(2)
    # 1. savepoint  2. plans (locked)  3. patient payments  4. instalments  5. paid instalments to move
    # 6. their update  7. their history rows  8. release savepoint
    with django_assert_num_queries(8):
        services.instalments_sweep_batch(today=later, enqueue=False)
    plans_paid_on_time(4)
    with django_assert_num_queries(8):
        services.instalments_sweep_batch(today=later, enqueue=False)

    assert InstalmentStatusChange.objects.filter(to_status="paid").count() == 6
