"""The desk's records of a patient (notes, caller checks, promises to pay, a proxy's signed document) are part of
the patient's data export (GDPR art. 15)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance.patient_export import patient_data_export
from patients.proxies import authorised_proxy_create
from tests.factories import account_history

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_desks_records_and_names_the_uploaded_document(patient, front_desk):
    account_history(patient, by=front_desk)
    authorised_proxy_create(
        patient_id=patient.pk,
        name="Ola Nordmann",
        valid_from=patient.created_at.date(),
        document=SimpleUploadedFile("fullmakt.pdf", b"%PDF-1.4", content_type="application/pdf"),
    )

    export = json.loads(json.dumps(patient_data_export(patient_id=patient.pk)))

    assert [note["text"] for note in export["notes"]] == ["Note 0"]
    assert [check["caller_name"] for check in export["caller_checks"]] == ["Caller 0"]
    assert len(export["payment_promises"]) == 1
    assert any(proxy["document"].startswith("proxies/") for proxy in export["proxies"])
