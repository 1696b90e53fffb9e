"""Online payment's services against the local fake of Stripe: starting a checkout, and posting only what a
verified webhook reports, once."""

import logging
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError, NotFound
from invoices.models import LedgerEntry, PaymentMethod
from online_payments import services
from online_payments.models import CheckoutSession, ProcessedEvent
from online_payments.providers.stripe_checkout import from_minor_units, minor_units
from patient_collections import services as collection_services
from tests.factories import PatientFactory, at, issue

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 10)
Status = CheckoutSession.Status


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(at(TODAY), tick=True):
        yield


@pytest.fixture
def invoice():
    patient = PatientFactory(name="Kari Nordmann", email="kari@example.org", language="en")
    return issue(patient, date(2026, 11, 2))  # 500.00, all the patient's


def start(invoice, **kwargs):
    return services.checkout_start(
        invoice_id=invoice.pk,
        by=None,
        success_url=services.with_session_placeholder("http://testserver/back"),
        cancel_url="http://testserver/cancelled",
        language="en",
        **kwargs,
    )


def paid_event(stripe_fake, checkout, **changes):
    return stripe_fake.event_for(stripe_fake.complete(checkout.provider_session_id), **changes)


def patient_payments(invoice):
    return LedgerEntry.objects.filter(invoice=invoice, kind=LedgerEntry.Kind.PATIENT_PAYMENT)


# --- Starting a checkout ------------------------------------------------------------------------------------


def test_it_opens_a_checkout_for_what_the_patient_owes(stripe_fake, invoice):
    checkout, url = start(invoice)

    session = stripe_fake.sessions[checkout.provider_session_id]
    assert url == f"{stripe_fake.api_base}/pay/{checkout.provider_session_id}"
    assert (checkout.amount, checkout.currency, checkout.status) == (Decimal("500.00"), "NOK", Status.OPEN)
    assert (session["amount_total"], session["currency"]) == (50000, "nok")
    assert session["client_reference_id"] == str(checkout.reference)
    assert session["success_url"] == "http://testserver/back?session_id={CHECKOUT_SESSION_ID}"


def test_it_refuses_a_checkout_when_online_payment_is_off(settings, invoice):
    settings.ONLINE_PAYMENT_PROVIDER = ""

    with pytest.raises(NotFound):
        start(invoice)
    assert not CheckoutSession.objects.exists()


def test_it_refuses_a_checkout_for_a_bill_with_nothing_to_pay(stripe_fake, invoice):
    from invoices.services import payment_record

    payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="cash", by=None)

    with pytest.raises(ApplicationError, match="nothing to pay"):
        start(invoice)
    assert stripe_fake.sessions == {}


def test_it_keeps_no_checkout_when_the_provider_cannot_be_reached(stripe_fake, settings, invoice):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the discard port: nothing listens

    with pytest.raises(ApplicationError, match="could not be opened"):
        start(invoice)
    assert not CheckoutSession.objects.exists()


def test_it_asks_for_the_next_instalment_of_a_payment_plan(stripe_fake, invoice):
    plan = collection_services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    first, second = plan.instalments.order_by("number")

    checkout, _url = start(invoice, instalment_id=first.pk)

    assert (checkout.instalment, checkout.amount) == (first, first.amount)
    assert stripe_fake.sessions[checkout.provider_session_id]["amount_total"] == minor_units(first.amount)
    with pytest.raises(ApplicationError, match="not the next payment"):
        start(invoice, instalment_id=second.pk)


# --- The webhook --------------------------------------------------------------------------------------------


def test_a_verified_paid_event_posts_the_payment_once(stripe_fake, post_webhook, invoice):
    checkout, _url = start(invoice)
    event = paid_event(stripe_fake, checkout)

    response = post_webhook(event)

    assert (response.status_code, response.content) == (200, b"posted")
    intent = event["data"]["object"]["payment_intent"]
    entry = patient_payments(invoice).get()
    assert (entry.amount, entry.method, entry.reference) == (Decimal("-500.00"), PaymentMethod.ONLINE_CARD, intent)
    assert (entry.idempotency_key, entry.posted_by) == (f"stripe:{intent}", None)
    checkout.refresh_from_db()
    assert (checkout.status, checkout.entry, checkout.payment_intent) == (Status.PAID, entry, intent)
    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("0.00")


def test_a_second_delivery_of_the_same_event_changes_nothing(stripe_fake, post_webhook, invoice):
    checkout, _url = start(invoice)
    event = paid_event(stripe_fake, checkout)
    post_webhook(event)

    response = post_webhook(event)

    assert (response.status_code, response.content) == (200, b"duplicate")
    assert patient_payments(invoice).count() == 1
    assert ProcessedEvent.objects.count() == 1
    assert len(mail.outbox) == 1


def test_another_event_about_the_same_payment_posts_nothing_more(stripe_fake, post_webhook, invoice):
    checkout, _url = start(invoice)
    event = paid_event(stripe_fake, checkout)
    post_webhook(event)

    response = post_webhook(stripe_fake.event_for(event["data"]["object"]))

    assert (response.status_code, response.content) == (200, b"already_done")
    assert patient_payments(invoice).count() == 1


def test_a_payment_intent_posted_before_for_another_bill_is_refused_not_posted(stripe_fake, post_webhook, invoice):
    other = issue(invoice.patient, date(2026, 11, 2))
    first, _url = start(invoice)
    intent = paid_event(stripe_fake, first)["data"]["object"]["payment_intent"]
    post_webhook(stripe_fake.event_for(stripe_fake.sessions[first.provider_session_id]))
    second, _url = start(other)

    response = post_webhook(paid_event(stripe_fake, second, payment_intent=intent))

    assert response.content == b"refused"
    assert not patient_payments(other).exists()
    second.refresh_from_db()
    assert second.status == Status.REFUSED


def test_a_bad_signature_is_refused_and_posts_nothing(stripe_fake, post_webhook, invoice):
    checkout, _url = start(invoice)

    response = post_webhook(paid_event(stripe_fake, checkout), secret="whsec_someone_else")

    assert response.status_code == 400
    assert not patient_payments(invoice).exists()
    assert not ProcessedEvent.objects.exists()
    checkout.refresh_from_db()
    assert checkout.status == Status.OPEN


def test_a_delivery_without_a_signature_is_refused(stripe_fake, client, invoice):
    response = client.post("/payments/stripe/webhook/", data="{}", content_type="application/json")

    assert response.status_code == 400


def test_an_amount_other_than_asked_is_recorded_and_not_posted(stripe_fake, post_webhook, invoice, caplog):
    checkout, _url = start(invoice)
    event = paid_event(stripe_fake, checkout, amount_total=100)

    with caplog.at_level(logging.WARNING, logger="online_payments"):
        response = post_webhook(event)

    assert (response.status_code, response.content) == (200, b"refused")
    assert not patient_payments(invoice).exists()
    checkout.refresh_from_db()
    assert checkout.status == Status.REFUSED
    assert checkout.status_changes.get().reason == "amount or currency differs from the checkout"
    assert [record.getMessage() for record in caplog.records if record.name.startswith("online_payments")] == [
        f"online payment {checkout.pk} not posted: the amount or currency paid differs from the checkout"
    ]
    assert mail.outbox == []


def test_a_currency_other_than_asked_is_not_posted(stripe_fake, post_webhook, invoice):
    checkout, _url = start(invoice)

    response = post_webhook(paid_event(stripe_fake, checkout, currency="eur"))

    assert response.content == b"refused"
    assert not patient_payments(invoice).exists()


def test_an_unpaid_completed_session_posts_nothing(stripe_fake, post_webhook, invoice):
    checkout, _url = start(invoice)
    session = stripe_fake.sessions[checkout.provider_session_id]

    response = post_webhook(stripe_fake.event_for(session, status="complete", payment_status="unpaid"))

    assert response.content == b"ignored"
    assert not patient_payments(invoice).exists()


def test_an_event_about_a_session_we_never_started_posts_nothing(stripe_fake, post_webhook, invoice):
    event = stripe_fake.event_for(
        {"id": "cs_test_unknown", "object": "checkout.session", "payment_status": "paid", "amount_total": 50000}
    )

    response = post_webhook(event)

    assert response.content == b"unknown_session"
    assert not patient_payments(invoice).exists()


def test_the_webhook_is_not_found_while_online_payment_is_off(stripe_fake, post_webhook, settings, invoice):
    checkout, _url = start(invoice)
    event = paid_event(stripe_fake, checkout)
    settings.ONLINE_PAYMENT_PROVIDER = ""

    assert post_webhook(event).status_code == 404
    assert not patient_payments(invoice).exists()


def test_an_instalment_paid_online_lowers_the_bill_by_its_amount(stripe_fake, post_webhook, invoice):
    plan = collection_services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    first = plan.instalments.order_by("number").first()
    checkout, _url = start(invoice, instalment_id=first.pk)

    post_webhook(paid_event(stripe_fake, checkout))

    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("500.00") - first.amount
    assert patient_payments(invoice).get().amount == -first.amount


# --- The receipt --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "amount"), [("en", "500.00"), ("nb", "500,00")])
def test_it_emails_the_receipt_in_the_patients_language(stripe_fake, post_webhook, invoice, language, amount):
    invoice.patient.language = language
    invoice.patient.save(update_fields=["language"])
    checkout, _url = start(invoice)

    post_webhook(paid_event(stripe_fake, checkout))

    (message,) = mail.outbox
    assert message.to == ["kari@example.org"]
    assert invoice.number in message.subject
    assert amount in message.body
    checkout.refresh_from_db()
    assert checkout.receipt_sent_at is not None


def test_it_sends_the_receipt_once_however_often_the_task_runs(stripe_fake, post_webhook, invoice):
    checkout, _url = start(invoice)
    post_webhook(paid_event(stripe_fake, checkout))

    assert services.payment_receipt_send(checkout_id=checkout.pk) is False
    assert len(mail.outbox) == 1


def test_it_sends_no_receipt_to_a_patient_without_an_email_address(stripe_fake, post_webhook, invoice):
    invoice.patient.email = ""
    invoice.patient.save(update_fields=["email"])
    checkout, _url = start(invoice)

    post_webhook(paid_event(stripe_fake, checkout))

    assert mail.outbox == []
    assert patient_payments(invoice).count() == 1


# --- Money to the provider and back -------------------------------------------------------------------------


@given(cents=st.integers(min_value=1, max_value=999_999_999_999))
def test_an_amount_survives_the_trip_in_minor_units(cents):
    amount = Decimal(cents) / 100
    assert from_minor_units(minor_units(amount)) == amount
    assert minor_units(from_minor_units(cents)) == cents


def test_the_name_the_services_publish_is_the_registered_receipt_task():
    from online_payments import tasks

    assert tasks.send_payment_receipt.name == services.SEND_RECEIPT_TASK
