"""The API's protocol (issue 19, item 6): strict JSON bodies for money, rate-limit headers and 429s, weak ETags
with 304, and the refusals each operation documents."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from invoices.models import Invoice, LedgerEntry
from tests.factories import PatientFactory, issue

pytestmark = pytest.mark.django_db

PAYMENT = {"amount": "71.00", "payer": "patient", "method": "card", "reference": "T-1"}


def post(client: Client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


# --- Money as decimal strings, and no unknown fields ------------------------------------------------------


def test_it_refuses_a_json_number_as_an_amount_naming_the_field(billing, client_for):
    invoice = issue(PatientFactory())

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", {**PAYMENT, "amount": 71.0})

    assert response.status_code == 400
    assert response.json()["code"] == "money_not_a_string"
    assert "amount" in response.json()
    assert not invoice.entries.filter(kind=LedgerEntry.Kind.PATIENT_PAYMENT).exists()


def test_it_refuses_an_integer_amount_too(billing, client_for):
    invoice = issue(PatientFactory())

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", {**PAYMENT, "amount": 71})

    assert response.json()["code"] == "money_not_a_string"


def test_it_refuses_an_unknown_field_of_a_money_write(billing, client_for):
    invoice = issue(PatientFactory())

    response = post(
        client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", {**PAYMENT, "amount_cents": "7100"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"
    assert "amount_cents" in response.json()


def test_it_names_the_place_of_a_number_inside_an_invoice_line(billing, client_for):
    patient = PatientFactory()
    line = {"code": "GP1", "description": "Consultation", "quantity": "1", "unit_price": 400, "coverage": "patient"}

    response = post(
        client_for(billing),
        "/api/v1/invoices/",
        {"patient": patient.pk, "service_date": "2026-11-02", "lines": [{**line, "unit_price": "400.00"}, line]},
    )

    assert response.json()["code"] == "money_not_a_string"
    assert "lines[1].unit_price" in response.json()
    assert not Invoice.objects.filter(patient=patient).exists()


# --- Rate limit ---------------------------------------------------------------------------------------------


def test_it_announces_the_rate_limit_on_every_answer(billing, client_for, settings):
    client = client_for(billing)

    first = client.get("/api/v1/payments/")
    second = client.get("/api/v1/payments/")

    assert first["RateLimit-Policy"] == '"api";q=600;w=60'
    assert first["RateLimit"].startswith('"api";r=599;t=')
    assert second["RateLimit"].startswith('"api";r=598;t=')


def test_it_answers_429_with_retry_after_over_the_limit(billing, client_for, monkeypatch):
    monkeypatch.setattr("api.throttling.ApiRateThrottle.THROTTLE_RATES", {"api": "2/min"})
    client = client_for(billing)
    client.get("/api/v1/payments/")
    client.get("/api/v1/payments/")

    refused = client.get("/api/v1/payments/")

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["RateLimit"].startswith('"api";r=0;t=')


def test_it_counts_each_api_user_on_its_own(billing, manager, client_for, monkeypatch):
    monkeypatch.setattr("api.throttling.ApiRateThrottle.THROTTLE_RATES", {"api": "1/min"})
    client_for(billing).get("/api/v1/payments/")

    token = Token.objects.create(user=manager)
    other = Client().get("/api/v1/payments/", headers={"Authorization": f"Token {token.key}"})

    assert other.status_code == 200


# --- ETags --------------------------------------------------------------------------------------------------


def test_it_answers_304_for_the_etag_the_client_holds(billing, client_for):
    invoice = issue(PatientFactory())
    client = client_for(billing)
    first = client.get(f"/api/v1/invoices/{invoice.pk}/")

    again = client.get(f"/api/v1/invoices/{invoice.pk}/", headers={"If-None-Match": first["ETag"]})

    assert first["ETag"].startswith('W/"')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_it_answers_200_with_a_new_etag_once_the_balance_changed(billing, client_for):
    # The balance is the ledger's, not the patient row's: a validator from updated_at would have missed it.
    invoice = issue(PatientFactory())
    client = client_for(billing)
    held = client.get(f"/api/v1/patients/{invoice.patient_id}/")["ETag"]
    post(client, f"/api/v1/invoices/{invoice.pk}/payments/", PAYMENT)

    now = client.get(f"/api/v1/patients/{invoice.patient_id}/", headers={"If-None-Match": held})

    assert now.status_code == 200
    assert now["ETag"] != held
    assert now.json()["balance"] == "429.00"


def test_it_gives_no_etag_to_a_list(billing, client_for):
    assert "ETag" not in client_for(billing).get("/api/v1/payments/")


# --- The schema documents the refusals ------------------------------------------------------------------------


@pytest.fixture
def schema(client_for, manager) -> dict:
    return client_for(manager).get("/api/schema/", {"format": "json"}).json()


def test_every_operation_documents_403_and_429_with_retry_after(schema):
    operations = [operation for ops in schema["paths"].values() for operation in ops.values()]

    assert all({"403", "429"} <= set(operation["responses"]) for operation in operations)
    assert all("Retry-After" in operation["responses"]["429"]["headers"] for operation in operations)


def test_every_operation_with_a_body_documents_415(schema):
    with_body = [
        operation for ops in schema["paths"].values() for operation in ops.values() if "requestBody" in operation
    ]

    assert with_body
    assert all("415" in operation["responses"] for operation in with_body)


def test_a_single_record_documents_its_etag_and_304(schema):
    operation = schema["paths"]["/api/v1/invoices/{invoice_id}/"]["get"]

    assert "304" in operation["responses"]
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert "If-None-Match" in {parameter["name"] for parameter in operation["parameters"]}


def test_it_documents_the_token_scheme(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"
