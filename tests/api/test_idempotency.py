"""Every POST of the API takes an Idempotency-Key (issue 19, item 1): a retry after a lost response answers the
first response again, marked as a replay, and changes nothing twice."""

from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api.idempotency import RETENTION, idempotency_records_purge
from api.models import IdempotencyRecord
from api.tasks import purge_idempotency_records
from disputes.models import Complaint
from invoices.models import Invoice, LedgerEntry
from patients.models import Patient
from tests.factories import at, draft_invoice, issued_invoice

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "name": "Ola Hansen",
    "date_of_birth": "1980-04-01",
    "phone": "+4791234567",
    "language": "nb",
    "preferred_channel": "sms",
}
DRAFT = {
    "service_date": "2026-11-02",
    "lines": [
        {"code": "GP1", "description": "Consultation", "quantity": "1", "unit_price": "400.00", "coverage": "patient"}
    ],
}
PAYMENT = {"amount": "71.00", "payer": "patient", "method": "bank transfer", "reference": "KID 123"}


def post(client: Client, url: str, data: dict | None = None, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def test_it_creates_one_patient_for_a_create_sent_twice(billing, client_for):
    client = client_for(billing)

    first = post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")
    retry = post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Patient.objects.filter(name="Ola Hansen").count() == 1


def test_it_answers_the_first_response_after_the_record_changed(billing, client_for):
    # The retry of a lost response gets what the first request answered, not the record as it is now.
    client = client_for(billing)
    first = post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")
    Patient.objects.filter(pk=first.json()["id"]).update(city="Bergen")

    retry = post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    assert retry.json()["city"] == first.json()["city"] == ""


def test_it_refuses_a_key_reused_with_another_body(billing, client_for):
    client = client_for(billing)
    post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    reuse = post(client, "/api/v1/patients/", {**NEW_PATIENT, "name": "Someone Else"}, key="ehr-patient-1")

    assert reuse.status_code == 409
    assert reuse.json()["code"] == "idempotency_key_reused"
    assert "idempotency_key" in reuse.json()
    assert not Patient.objects.filter(name="Someone Else").exists()


def test_it_refuses_a_key_reused_on_another_operation(patient, billing, client_for):
    client = client_for(billing)
    post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-1")

    reuse = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk}, key="ehr-1")

    assert reuse.status_code == 409
    assert reuse.json()["code"] == "idempotency_key_reused"
    assert not Invoice.objects.exists()


def test_it_releases_the_key_of_a_refused_request_for_a_corrected_retry(billing, client_for):
    client = client_for(billing)
    refused = post(client, "/api/v1/patients/", {**NEW_PATIENT, "phone": ""}, key="ehr-patient-1")

    corrected = post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected.headers
    assert Patient.objects.filter(name="Ola Hansen").count() == 1


def test_it_keeps_no_key_when_the_request_failed_midway(billing, client_for):
    # A crash after the key was claimed rolls the claim back with the change: the retry does the work.
    client = client_for(billing)
    with (
        mock.patch("api.patients.patient_create", side_effect=RuntimeError("lost connection")),
        pytest.raises(RuntimeError),
    ):
        post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    retry = post(client, "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert Patient.objects.filter(name="Ola Hansen").count() == 1


def test_it_keeps_each_users_keys_apart(billing, manager, client_for):
    mine = post(client_for(billing), "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")
    theirs = post(client_for(manager), "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert Patient.objects.filter(name="Ola Hansen").count() == 2


def test_it_treats_posts_without_a_key_as_new_requests(billing, client_for):
    client = client_for(billing)

    post(client, "/api/v1/patients/", NEW_PATIENT)
    post(client, "/api/v1/patients/", NEW_PATIENT)

    assert Patient.objects.filter(name="Ola Hansen").count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_it_creates_one_invoice_for_a_create_sent_twice(patient, billing, client_for):
    client = client_for(billing)

    first = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk}, key="ehr-invoice-1")
    retry = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk}, key="ehr-invoice-1")

    assert first.status_code == retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1


def test_it_answers_a_retried_issue_with_the_first_answer_instead_of_a_conflict(patient, billing, client_for):
    invoice = draft_invoice(patient)
    client = client_for(billing)

    first = post(client, f"/api/v1/invoices/{invoice.pk}/issue/", key="issue-1")
    retry = post(client, f"/api/v1/invoices/{invoice.pk}/issue/", key="issue-1")
    without_key = post(client, f"/api/v1/invoices/{invoice.pk}/issue/")

    assert first.status_code == retry.status_code == 200
    assert retry.json()["number"] == first.json()["number"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert without_key.status_code == 409


def test_it_files_one_complaint_for_a_complaint_sent_twice(patient, front_desk, client_for):
    invoice = issued_invoice(patient)
    client = client_for(front_desk)
    body = {
        "patient": patient.pk,
        "invoice": invoice.pk,
        "lines": [],
        "channel": "phone",
        "category": "invoice_question",
        "description": "Why is the consultation this expensive?",
    }

    first = post(client, "/api/v1/complaints/", body, key="complaint-1")
    retry = post(client, "/api/v1/complaints/", body, key="complaint-1")

    assert first.status_code == retry.status_code == 201, first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1


def test_it_marks_a_payment_replay_the_ledger_answers_after_the_api_forgot_the_key(patient, billing, client_for):
    invoice = issued_invoice(patient)
    client = client_for(billing)
    url = f"/api/v1/invoices/{invoice.pk}/payments/"
    first = post(client, url, PAYMENT, key="bank-2026-0001")
    IdempotencyRecord.objects.all().delete()

    retry = post(client, url, PAYMENT, key="bank-2026-0001")

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PATIENT_PAYMENT).count() == 1


def test_it_refuses_a_key_longer_than_it_keeps(billing, client_for):
    response = post(client_for(billing), "/api/v1/patients/", NEW_PATIENT, key="k" * 101)

    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert not Patient.objects.filter(name="Ola Hansen").exists()


def test_it_keeps_answers_for_the_retention_period_and_then_forgets_them(billing, client_for):
    with time_machine.travel(at(date(2026, 11, 2)), tick=False):
        post(client_for(billing), "/api/v1/patients/", NEW_PATIENT, key="ehr-patient-1")

    assert idempotency_records_purge(now=at(date(2026, 11, 2)) + RETENTION) == 0
    assert idempotency_records_purge(now=at(date(2026, 11, 2)) + RETENTION + timedelta(seconds=1)) == 1
    assert not IdempotencyRecord.objects.exists()


def test_the_beat_task_purges_old_answers(billing, client_for):
    with time_machine.travel(timezone.now() - RETENTION - timedelta(hours=1), tick=False):
        post(client_for(billing), "/api/v1/patients/", NEW_PATIENT, key="old")
    post(client_for(billing), "/api/v1/patients/", {**NEW_PATIENT, "name": "Ny Pasient"}, key="new")

    assert purge_idempotency_records.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_schema_offers_the_key_on_every_post(client_for, manager):
    schema = client_for(manager).get("/api/schema/", {"format": "json"}).json()

    posts = {path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops}

    assert posts
    missing = [
        path
        for path, operation in posts.items()
        if not any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    ]
    assert missing == []
