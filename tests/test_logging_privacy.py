"""Logs never carry personal or health data or secrets: every logger at DEBUG through a day's typical work."""

import json
import logging
from unittest import mock

import pytest
from django.urls import reverse

from patient_collections import channels
from tests.factories import PatientFactory, UserFactory, issued_invoice

pytestmark = pytest.mark.django_db

NAME = "Solveig Haugland-Vik"
EMAIL = "solveig.haugland@example.org"
PHONE = "+47 912 34 567"
PASSWORD = "my-secret-portal-passphrase"
WORDS = "my diabetes check-up was billed twice"
SECRETS = [NAME, EMAIL, "solveig.haugland", PHONE, "91234567", PASSWORD, WORDS, "diabetes"]


@pytest.fixture
def solveig(db):
    user = UserFactory(username=EMAIL, email=EMAIL)
    user.set_password(PASSWORD)
    user.save()
    return PatientFactory(name=NAME, email=EMAIL, phone=PHONE, language="en", user=user)


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_nothing_personal(caplog) -> None:
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'request', '')!r}" for record in caplog.records
    )
    assert caplog.records, "the flow logged nothing at all: the test would prove nothing"
    assert [secret for secret in SECRETS if secret.lower() in logged.lower()] == []


def test_failed_sign_ins_and_the_lockout_log_no_email_or_password(client, solveig, everything_logged):
    for _ in range(6):
        client.post(reverse("portal:portal-login"), {"username": EMAIL, "password": PASSWORD + "-wrong"})
    client.post(reverse("portal:portal-login"), {"username": EMAIL, "password": PASSWORD})
    assert_nothing_personal(everything_logged)


def test_staff_reading_an_account_and_a_bill_log_no_name_or_words(solveig, billing, client_for, everything_logged):
    invoice = issued_invoice(solveig)
    client = client_for(billing)
    client.get(reverse("frontdesk:patient-detail", kwargs={"patient_id": solveig.pk}))
    client.get(reverse("invoices:invoice-pdf", kwargs={"invoice_id": invoice.pk}))
    client.get(reverse("frontdesk:patient-search"), {"q": NAME})
    body = {
        "patient": solveig.pk,
        "invoice": invoice.pk,
        "lines": [],
        "channel": "phone",
        "category": "billing_error",
        "description": WORDS,
    }
    client.post(reverse("api-complaint-list"), json.dumps(body), content_type="application/json")
    client.get(reverse("api-patient-detail", kwargs={"patient_id": 999_999}))
    assert_nothing_personal(everything_logged)


def test_a_failed_delivery_logs_the_reference_not_the_address(solveig, everything_logged):
    refused = OSError(f"550 mailbox {EMAIL} unavailable")
    with mock.patch.object(channels, "get_connection") as connection:
        connection.return_value.send_messages.side_effect = refused
        with pytest.raises(channels.DeliveryError) as email:
            channels.deliver_email(to=solveig.email, subject="Reminder", body=f"Dear {NAME}", reference="INV-1")
    with mock.patch.object(channels, "sms_backend") as backend:
        backend.return_value.send.side_effect = OSError(f"no route to {PHONE}")
        with pytest.raises(channels.DeliveryError) as sms:
            channels.deliver_sms(to=solveig.phone, text=f"Dear {NAME}", reference="INV-1")
    assert_nothing_personal(everything_logged)
    # Celery logs the error of each retry and the traceback of the last: neither may carry the address.
    for error in (email.value, sms.value):
        assert EMAIL not in str(error) and PHONE not in str(error)
        assert error.__cause__ is None and error.__suppress_context__
