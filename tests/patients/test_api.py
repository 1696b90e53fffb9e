import schemathesis
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.authtoken.models import Token

from clinic_billing.wsgi import application
from patients.models import Patient
from tests.factories import UserFactory, issued_invoice

NEW_PATIENT = {
    "name": "Ana Silva",
    "date_of_birth": "1975-03-09",
    "email": "ana.silva@example.org",
    "phone": "+47 400 11 222",
    "language": "pt",
    "preferred_channel": "email",
}


def test_it_creates_a_patient(billing, client_for):
    response = client_for(billing).post("/api/v1/patients/", NEW_PATIENT, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Ana Silva"
    assert body["date_of_birth"] == "1975-03-09"
    assert body["language"] == "pt"
    assert body["preferred_channel"] == "email"
    assert body["opt_out_sms"] is False
    assert body["balance"] == "0.00"
    assert Patient.objects.get(pk=body["id"]).email == "ana.silva@example.org"


def test_it_accepts_token_auth_and_names_the_token_user_in_the_audit_log(billing):
    token = Token.objects.create(user=billing)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.post("/api/v1/patients/", NEW_PATIENT, content_type="application/json")

    assert response.status_code == 201
    entry = LogEntry.objects.get_for_object(Patient.objects.get(pk=response.json()["id"])).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == billing


def test_it_shows_the_patient_with_what_they_owe(patient, provider, client_for):
    # 400.00 consultation expected from the insurer, 2 × 35.50 materials for the patient.
    issued_invoice(patient)

    response = client_for(provider).get(f"/api/v1/patients/{patient.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "Kari Nordmann"
    assert response.json()["balance"] == "71.00"


def test_it_logs_each_read_of_a_patient(patient, provider, client_for):
    client_for(provider).get(f"/api/v1/patients/{patient.pk}/")

    entry = LogEntry.objects.get_for_object(patient).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == provider


def test_it_names_the_field_of_a_malformed_date_of_birth(billing, client_for):
    payload = {**NEW_PATIENT, "date_of_birth": "09.03.75"}

    response = client_for(billing).post("/api/v1/patients/", payload, content_type="application/json")

    assert response.status_code == 400
    assert "date_of_birth" in response.json()
    assert not Patient.objects.exists()


def test_it_refuses_an_unknown_channel(billing, client_for):
    payload = {**NEW_PATIENT, "preferred_channel": "pigeon"}

    response = client_for(billing).post("/api/v1/patients/", payload, content_type="application/json")

    assert response.status_code == 400
    assert "preferred_channel" in response.json()
    assert not Patient.objects.exists()


def test_it_names_the_missing_address_of_the_preferred_channel(billing, client_for):
    payload = {**NEW_PATIENT, "email": ""}

    response = client_for(billing).post("/api/v1/patients/", payload, content_type="application/json")

    assert response.status_code == 400
    assert "email" in response.json()
    assert "detail" in response.json()
    assert not Patient.objects.exists()


def test_it_refuses_creation_to_a_role_without_add_patient(provider, client_for):
    response = client_for(provider).post("/api/v1/patients/", NEW_PATIENT, content_type="application/json")

    assert response.status_code == 403
    assert not Patient.objects.exists()


def test_it_never_shows_a_patient_to_a_patient_user(patient, other_patient, client_for):
    client = client_for(patient.user)

    assert client.get(f"/api/v1/patients/{other_patient.pk}/").status_code == 403
    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code == 403


def test_it_refuses_a_user_without_a_staff_role_even_with_the_permission(patient, client_for):
    outsider = UserFactory(username="outsider", is_staff=True)
    outsider.user_permissions.add(Permission.objects.get(codename="view_patient"))

    response = client_for(outsider).get(f"/api/v1/patients/{patient.pk}/")

    assert response.status_code == 403


def test_it_refuses_anonymous_requests(patient):
    response = Client().get(f"/api/v1/patients/{patient.pk}/")

    assert response.status_code in (401, 403)
    assert "name" not in response.json()


def test_it_returns_404_for_an_unknown_patient(provider, client_for):
    response = client_for(provider).get("/api/v1/patients/999999/")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_it_refuses_a_form_encoded_body_and_documents_json_only(billing, client):
    token = Token.objects.create(user=billing)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.post("/api/v1/patients/", {**NEW_PATIENT, "opt_out_sms": "0"})  # multipart/form-data

    assert response.status_code == 415
    assert "detail" in response.json()
    assert not Patient.objects.exists()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert list(schema["paths"]["/api/v1/patients/"]["post"]["requestBody"]["content"]) == ["application/json"]


def test_it_refuses_a_number_or_word_as_an_opt_out(billing, client_for):
    response = client_for(billing).post(
        "/api/v1/patients/", {**NEW_PATIENT, "opt_out_phone": 0}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "opt_out_phone" in response.json()
    assert not Patient.objects.exists()


def test_it_answers_a_patient_without_email_as_its_schema_says(billing, connection_kept_open_between_requests):
    operation = schemathesis.openapi.from_wsgi("/api/schema/", application)["/api/v1/patients/"]["POST"]
    body = {key: value for key, value in NEW_PATIENT.items() if key != "email"} | {"preferred_channel": "portal"}
    token = Token.objects.create(user=billing)

    response = operation.Case(body=body, headers={"Authorization": f"Token {token.key}"}).call()

    assert response.status_code == 201
    assert response.json()["email"] == ""
    assert operation.is_valid_response(response)


def test_it_refuses_a_number_as_text(billing, client_for):
    response = client_for(billing).post(
        "/api/v1/patients/", {**NEW_PATIENT, "city": 0}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["city"] == ["Not a valid string."]
    assert not Patient.objects.exists()


def test_it_answers_a_date_of_birth_in_the_year_1_with_a_field_error(billing, client_for):
    payload = {**NEW_PATIENT, "date_of_birth": "0001-01-01"}

    response = client_for(billing).post("/api/v1/patients/", payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["date_of_birth"] == ["Give a date between 1900-01-01 and 2199-12-31."]
