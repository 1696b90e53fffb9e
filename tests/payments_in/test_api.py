"""Bank files over the API: multipart upload, the report back, 422 for a refused file, billing only."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from payments_in.models import BankFile
from payments_in.samples import SamplePayment, ocr_giro_file
from tests.factories import issue

pytestmark = pytest.mark.django_db


def send(client: Client, content: bytes, name: str = "ocr.txt"):
    return client.post(reverse("api-bank-file-import"), {"file": SimpleUploadedFile(name, content)})


def test_an_integration_sends_a_bank_file_with_its_token_and_reads_the_report(patient, billing):
    invoice = issue(patient)
    content = ocr_giro_file([SamplePayment(invoice.payment_reference, Decimal("500.00"), date(2026, 1, 22), seed=1)])
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=billing).key}")
    response = send(client, content)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["format"], body["posted_count"], body["posted_sum"]) == (
        "imported",
        "ocr_giro",
        1,
        "500.00",
    )
    again = send(client, content).json()
    assert (again["posted_count"], again["duplicate_count"]) == (0, 1)
    detail = client.get(reverse("api-bank-file-detail", args=[body["id"]]))
    assert detail.json()["posted_sum"] == "500.00"
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")


def test_a_file_that_does_not_parse_answers_422_with_line_and_reason(billing, client_for):
    response = send(client_for(billing), b"NY000010" + b"9" * 72 + b"\n")
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "refused" and body["refusal_reason"]
    assert BankFile.objects.get().status == "refused"


def test_a_json_body_or_no_file_is_refused(billing, client_for):
    client = client_for(billing)
    assert client.post(reverse("api-bank-file-import"), {}, content_type="application/json").status_code == 415
    response = client.post(reverse("api-bank-file-import"), {})
    assert response.status_code == 400
    assert response.json()["file"] == ["No file was submitted."]


def test_the_front_desk_may_not_import_bank_files(front_desk, client_for):
    assert send(client_for(front_desk), b"x").status_code == 403
    assert not BankFile.objects.exists()
