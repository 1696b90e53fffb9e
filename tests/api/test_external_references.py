"""Patients and invoices carry the source system's id and a small metadata map (issue 19, item 2)."""

from datetime import date

import pytest
from django.test import Client

from clinic_billing.exceptions import ApplicationError, Conflict
from invoices import services as invoice_services
from invoices.models import Invoice
from patients.models import Patient
from patients.services import ContactDetails, patient_create

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "name": "Ola Hansen",
    "date_of_birth": "1980-04-01",
    "phone": "+4791234567",
    "language": "nb",
    "preferred_channel": "sms",
    "external_source": "dips",
    "external_reference": "P-1001",
    "metadata": {"ward": "north", "gp": "Dr. Berg"},
}
DRAFT = {
    "service_date": "2026-11-02",
    "lines": [
        {"code": "GP1", "description": "Consultation", "quantity": "1", "unit_price": "400.00", "coverage": "patient"}
    ],
    "external_source": "dips",
    "external_reference": "INV-77",
    "metadata": {"episode": "E-9"},
}


def post(client: Client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def test_it_keeps_and_shows_a_patients_external_reference_and_metadata(billing, client_for):
    client = client_for(billing)

    created = post(client, "/api/v1/patients/", NEW_PATIENT)
    shown = client.get(f"/api/v1/patients/{created.json()['id']}/").json()

    assert created.status_code == 201
    assert shown["external_source"] == "dips"
    assert shown["external_reference"] == "P-1001"
    assert shown["metadata"] == {"ward": "north", "gp": "Dr. Berg"}


def test_it_refuses_a_second_patient_with_the_same_reference_naming_the_first(billing, client_for):
    client = client_for(billing)
    first = post(client, "/api/v1/patients/", NEW_PATIENT)

    again = post(client, "/api/v1/patients/", {**NEW_PATIENT, "name": "Ola J. Hansen"})

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_external_reference"
    assert again.json()["existing_id"] == first.json()["id"]
    assert Patient.objects.count() == 1


def test_it_takes_the_same_reference_from_another_source(billing, client_for):
    client = client_for(billing)
    post(client, "/api/v1/patients/", NEW_PATIENT)

    other = post(client, "/api/v1/patients/", {**NEW_PATIENT, "external_source": "lab"})

    assert other.status_code == 201
    assert Patient.objects.count() == 2


def test_it_registers_patients_without_a_reference_as_often_as_asked(billing, client_for):
    client = client_for(billing)
    body = {key: value for key, value in NEW_PATIENT.items() if not key.startswith("external")}

    assert post(client, "/api/v1/patients/", body).status_code == 201
    assert post(client, "/api/v1/patients/", body).status_code == 201

    assert Patient.objects.filter(external_reference="").count() == 2


@pytest.mark.parametrize(
    "metadata",
    [
        {f"key{n}": "v" for n in range(21)},
        {"k" * 41: "v"},
        {"note": "x" * 501},
        {"count": 3},
        ["not", "a", "map"],
    ],
)
def test_it_refuses_metadata_beyond_its_limits(billing, client_for, metadata):
    response = post(client_for(billing), "/api/v1/patients/", {**NEW_PATIENT, "metadata": metadata})

    assert response.status_code == 400
    assert "metadata" in response.json()
    assert not Patient.objects.exists()


def test_the_service_refuses_a_source_without_a_reference():
    with pytest.raises(ApplicationError, match="external reference"):
        patient_create(
            name="Ola Hansen",
            date_of_birth=date(1980, 4, 1),
            contact=ContactDetails(phone="+4791234567", preferred_channel="sms"),
            external_source="dips",
        )


def test_it_keeps_and_shows_an_invoices_external_reference(patient, billing, client_for):
    client = client_for(billing)

    created = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk})

    assert created.status_code == 201
    assert created.json()["external_reference"] == "INV-77"
    assert created.json()["metadata"] == {"episode": "E-9"}
    assert client.get(f"/api/v1/invoices/{created.json()['id']}/").json()["external_source"] == "dips"


def test_it_refuses_a_second_invoice_with_the_same_reference_naming_the_first(patient, billing, client_for):
    client = client_for(billing)
    first = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk})

    again = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk})

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_external_reference"
    assert again.json()["existing_id"] == first.json()["id"]
    assert Invoice.objects.count() == 1


def test_the_invoice_service_refuses_a_duplicate_reference(patient):
    def create():
        return invoice_services.invoice_create_draft(
            patient_id=patient.pk,
            service_date=date(2026, 11, 2),
            lines=[invoice_services.LineInput(code="GP1", description="Consultation", quantity="1", unit_price="400")],
            by=None,
            external_reference="INV-1",
        )

    first = create()

    with pytest.raises(Conflict) as refused:
        create()
    assert refused.value.extra == {"existing_id": first.pk}
