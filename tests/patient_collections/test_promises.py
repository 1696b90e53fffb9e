"""Promises to pay: a date the patient gave staff that holds reminders (collection_state's `promise_to_pay`
hold), read by the real reminder sweep: nothing goes out through the promised day, the schedule resumes after."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from clinic_billing.exceptions import ApplicationError, InvalidTransition
from patient_collections import services
from patient_collections.collection_state import CollectionState, HoldReason, collection_state
from patient_collections.models import PaymentPromise, Reminder
from tests.factories import ISSUED, at, issue, patient_with_address, run_day

pytestmark = pytest.mark.django_db

DUE = ISSUED + timedelta(days=14)  # 19 January 2026; the first reminder is due the day after
PROMISED = DUE + timedelta(days=6)  # 25 January


@pytest.fixture
def patient(db):
    return patient_with_address(preferred_channel="letter")


def promise(patient, *, by, invoice=None, until=PROMISED, **fields):
    with time_machine.travel(at(DUE), tick=False):
        return services.payment_promise_record(
            patient_id=patient.pk, invoice_id=invoice.pk if invoice else None, until=until, by=by, **fields
        )


def sweep_on(day: date) -> list[Reminder]:
    with time_machine.travel(at(day), tick=False):
        return run_day(day)


def test_it_sends_nothing_through_the_promised_day_and_resumes_the_day_after(patient, front_desk):
    invoice = issue(patient)
    promise(patient, invoice=invoice, by=front_desk, amount=Decimal("500.00"))

    for day in range(1, 7):  # 20 to 25 January: the first reminder is due, but the promise holds it
        assert sweep_on(DUE + timedelta(days=day)) == []
    [reminder] = sweep_on(PROMISED + timedelta(days=1))

    assert (reminder.invoice, reminder.step, reminder.status) == (invoice, 1, Reminder.Status.SENT)


def test_a_promise_for_the_whole_account_holds_every_invoice_of_the_patient(patient, front_desk):
    first, second = issue(patient), issue(patient)
    someone_elses = issue(patient_with_address("Ivar Aasen", preferred_channel="letter"))
    promise(patient, by=front_desk)

    queued = sweep_on(DUE + timedelta(days=1))

    assert [reminder.invoice for reminder in queued] == [someone_elses]
    assert {r.invoice for r in sweep_on(PROMISED + timedelta(days=1))} == {first, second}


def test_the_invoice_reads_as_held_by_the_promise_until_its_date(patient, front_desk):
    invoice = issue(patient)
    promise(patient, invoice=invoice, by=front_desk)

    held = collection_state(invoice_id=invoice.pk, today=PROMISED)
    after = collection_state(invoice_id=invoice.pk, today=PROMISED + timedelta(days=1))

    assert (held.state, held.holds) == (CollectionState.HELD, (HoldReason.PROMISE_TO_PAY,))
    assert after.state == CollectionState.OVERDUE


def test_a_withdrawn_promise_lets_the_next_sweep_send(patient, front_desk):
    invoice = issue(patient)
    running = promise(patient, invoice=invoice, by=front_desk)
    with time_machine.travel(at(DUE + timedelta(days=1)), tick=False):
        services.payment_promise_withdraw(patient_id=patient.pk, promise_id=running.pk, by=front_desk)

    [reminder] = sweep_on(DUE + timedelta(days=1))

    assert reminder.invoice == invoice
    running.refresh_from_db()
    assert running.ended_by == front_desk


def test_a_new_promise_replaces_the_running_one(patient, front_desk):
    invoice = issue(patient)
    first = promise(patient, invoice=invoice, by=front_desk)
    second = promise(patient, invoice=invoice, by=front_desk, until=PROMISED + timedelta(days=3))

    first.refresh_from_db()
    assert first.ended_at is not None
    assert list(PaymentPromise.objects.active(PROMISED)) == [second]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"until": DUE - timedelta(days=1)}, "until"),
        ({"until": DUE + timedelta(days=61)}, "until"),
        ({"amount": Decimal("0.00")}, "amount"),
    ],
)
def test_it_refuses_a_date_in_the_past_or_too_far_and_an_empty_amount(patient, front_desk, fields, field):
    with pytest.raises(ApplicationError) as refused:
        promise(patient, by=front_desk, **fields)
    assert refused.value.field == field
    assert not PaymentPromise.objects.exists()


def test_it_refuses_an_invoice_of_another_patient(patient, front_desk):
    someone_elses = issue(patient_with_address("Ivar Aasen"))
    with pytest.raises(ApplicationError) as refused:
        promise(patient, invoice=someone_elses, by=front_desk)
    assert refused.value.field == "invoice"


@pytest.mark.parametrize("arrangement", ["plan", "deferral"])
def test_a_bill_under_a_plan_or_a_deferral_takes_no_promise(patient, front_desk, arrangement):
    """One arrangement holds an invoice at a time: the promise is refused and the plan's or deferral's own
    reminders keep their schedule."""
    invoice = issue(patient)
    with time_machine.travel(at(DUE), tick=False):
        if arrangement == "plan":
            services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=front_desk)
        else:
            services.deferral_create(invoice_id=invoice.pk, until=DUE + timedelta(days=20), by=front_desk)
    with pytest.raises(InvalidTransition, match=r"change the (plan|deferral) instead"):
        promise(patient, invoice=invoice, by=front_desk)
    assert not PaymentPromise.objects.exists()
