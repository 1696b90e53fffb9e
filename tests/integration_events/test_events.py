"""Events are written in the transaction of the change, by the service that makes it, and never changed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from disputes import services as dispute_services
from integration_events.models import AppendOnlyError, Event, EventType
from integration_events.services import EventOutsideTransaction, event_record
from invoices import services as invoice_services
from invoices.models import CreditNote
from patient_collections import services as collection_services
from patient_collections.models import CollectionCase
from patients import services as patient_services
from tests.factories import at, complaint_about, issue, patient_with_address, run_day, write_off_pending

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 2)


def events_of(event_type: str) -> list[Event]:
    return list(Event.objects.filter(type=event_type))


def test_a_registered_patient_is_one_patient_created_event_without_personal_data():
    patient = patient_services.patient_create(
        name="Kari Nordmann",
        date_of_birth=date(1980, 5, 17),
        contact=patient_services.ContactDetails(email="k@example.org", preferred_channel="email"),
    )

    [event] = events_of(EventType.PATIENT_CREATED)
    assert (event.object_type, event.object_id, event.patient_id) == ("patient", patient.pk, patient.pk)
    assert "Kari" not in str(event.data) and "example.org" not in str(event.data)


def test_a_change_rolled_back_leaves_no_event(patient):
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(patient)
        raise RuntimeError("the request failed after the issue")

    assert not Event.objects.exists()


def test_a_refused_change_leaves_no_event(patient):
    invoice = issue(patient)

    with pytest.raises(Exception, match="greater than zero"):
        invoice_services.payment_record(invoice_id=invoice.pk, amount="0.00", payer="patient", method="card", by=None)

    assert not events_of(EventType.PAYMENT_RECEIVED)


def test_an_issued_invoice_carries_its_number_total_and_due_date(patient):
    invoice = issue(patient, MONDAY)

    [event] = events_of(EventType.INVOICE_ISSUED)
    assert (event.object_id, event.patient_id) == (invoice.pk, patient.pk)
    assert event.data == {"number": invoice.number, "total": "500.00", "due_date": invoice.due_date.isoformat()}


def test_a_payment_is_received_once_and_a_replay_of_its_key_adds_no_event(patient, billing):
    invoice = issue(patient)
    pay = dict(invoice_id=invoice.pk, amount="120.00", payer="patient", method="card", by=billing, idempotency_key="k1")

    first = invoice_services.payment_record(**pay)
    invoice_services.payment_record(**pay)

    [event] = events_of(EventType.PAYMENT_RECEIVED)
    assert (event.object_type, event.object_id) == ("payment", first.entry.pk)
    assert event.data == {"invoice": invoice.pk, "amount": "120.00", "payer": "patient", "balance_after": "380.00"}


def test_a_batch_of_payments_records_one_event_per_new_payment(patient):
    invoices = [issue(patient), issue(patient)]
    batch = [
        invoice_services.BatchPayment(
            invoice_id=invoice.pk, amount=Decimal("50.00"), method="bank", reference="", idempotency_key=f"bank-{n}"
        )
        for n, invoice in enumerate(invoices)
    ]

    entries = invoice_services.payments_record_batch(payments=batch)
    invoice_services.payments_record_batch(payments=batch)

    events = events_of(EventType.PAYMENT_RECEIVED)
    assert [event.object_id for event in events] == [entry.pk for entry in entries]
    assert {event.data["invoice"] for event in events} == {invoice.pk for invoice in invoices}


def test_a_complaint_is_filed_and_decided_by_the_policy_then_closed(patient, billing):
    complaint = complaint_about(issue(patient), category="invoice_question", by=billing)
    dispute_services.complaint_close(
        complaint_id=complaint.pk, by=billing, outcome="explained", prevention_note="Clearer line names."
    )

    types = list(Event.objects.filter(object_type="complaint").values_list("type", flat=True))
    assert types == [EventType.COMPLAINT_FILED, EventType.COMPLAINT_DECIDED, EventType.COMPLAINT_CLOSED]
    decided = events_of(EventType.COMPLAINT_DECIDED)[0]
    assert decided.data["route_to"] == complaint.route_to
    assert events_of(EventType.COMPLAINT_CLOSED)[0].data["outcome"] == "explained"
    assert "What is" not in str(Event.objects.values_list("data", flat=True))


def test_an_approved_adjustment_records_its_approval_and_its_credit_note(patient, billing, manager):
    adjustment = write_off_pending(patient, requested_by=billing)

    dispute_services.adjustment_approve(adjustment_id=adjustment.pk, by=manager)

    [approved] = events_of(EventType.ADJUSTMENT_APPROVED)
    assert (approved.object_id, approved.data["amount"], approved.data["kind"]) == (
        adjustment.pk,
        "700.00",
        "write_off",
    )
    [credit] = events_of(EventType.CREDIT_NOTE_ISSUED)
    assert credit.object_id == CreditNote.objects.get(invoice_id=adjustment.invoice_id).pk


def test_a_credit_note_is_issued(patient, billing):
    invoice = issue(patient)

    invoice_services.invoice_credit(invoice_id=invoice.pk, amount="10.00", reason="price", by=billing)

    [event] = events_of(EventType.CREDIT_NOTE_ISSUED)
    assert event.data["amount"] == "10.00" and event.data["invoice"] == invoice.pk


def test_a_reminder_is_sent():
    patient = patient_with_address(language="en")
    invoice = issue(patient, MONDAY)
    day = invoice.due_date + timedelta(days=1)

    with time_machine.travel(at(day), tick=False):
        [reminder] = run_day(day)

    [event] = events_of(EventType.REMINDER_SENT)
    assert (event.object_id, event.data["invoice"], event.data["step"]) == (reminder.pk, invoice.pk, 1)


def test_a_plan_is_created_and_a_missed_instalment_recorded(patient, billing):
    invoice = issue(patient, MONDAY)
    with time_machine.travel(at(MONDAY), tick=False):
        plan = collection_services.payment_plan_create(
            invoice_id=invoice.pk, instalments=2, first_due=MONDAY + timedelta(days=7), by=billing
        )
    with time_machine.travel(at(MONDAY + timedelta(days=10)), tick=False):
        collection_services.instalments_sweep(today=MONDAY + timedelta(days=10), enqueue=False)

    [created] = events_of(EventType.PLAN_CREATED)
    assert (created.object_id, created.data["total"], created.data["instalments"]) == (plan.pk, "500.00", 2)
    [missed] = events_of(EventType.PLAN_MISSED)
    assert (missed.object_id, missed.data["instalment"], missed.data["amount"]) == (plan.pk, 1, "250.00")


def test_a_case_decided(patient, manager):
    invoice = issue(patient)
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)

    collection_services.collection_case_decide(case_id=case.pk, decision="withdrawn", by=manager)

    [event] = events_of(EventType.CASE_DECIDED)
    assert (event.object_id, event.data["decision"], event.patient_id) == (case.pk, "withdrawn", patient.pk)


def test_every_event_type_has_a_test_above():
    tested = {
        EventType.PATIENT_CREATED,
        EventType.INVOICE_ISSUED,
        EventType.PAYMENT_RECEIVED,
        EventType.COMPLAINT_FILED,
        EventType.COMPLAINT_DECIDED,
        EventType.COMPLAINT_CLOSED,
        EventType.ADJUSTMENT_APPROVED,
        EventType.CREDIT_NOTE_ISSUED,
        EventType.REMINDER_SENT,
        EventType.PLAN_CREATED,
        EventType.PLAN_MISSED,
        EventType.CASE_DECIDED,
    }
    assert tested == set(EventType)


def test_an_event_is_never_edited_or_deleted(patient):
    issue(patient)
    event = Event.objects.get()

    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(data={})
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    event.data = {}
    with pytest.raises(AppendOnlyError):
        event.save()
    assert Event.objects.get().data["total"] == "500.00"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_event_outside_a_transaction_is_refused(patient):
    with pytest.raises(EventOutsideTransaction):
        event_record(type=EventType.PATIENT_CREATED, obj=patient, patient_id=patient.pk, data={})

    assert not Event.objects.exists()


def test_a_payload_with_anything_but_ids_amounts_dates_and_statuses_is_refused(patient):
    with pytest.raises(TypeError), transaction.atomic():
        event_record(type=EventType.PATIENT_CREATED, obj=patient, patient_id=patient.pk, data={"patient": patient})
