"""Bank files over the API: multipart upload, the report back, 422 for a refused file, billing only."""

import base64
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


def test_a_small_file_may_come_as_base64_in_json(patient, billing, client_for):
    invoice = issue(patient)
    content = ocr_giro_file([SamplePayment(invoice.payment_reference, Decimal("500.00"), date(2026, 1, 22), seed=1)])
    body = {"filename": "ocr.txt", "content_base64": base64.b64encode(content).decode()}
    response = client_for(billing).post(reverse("api-bank-file-import"), body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["posted_sum"] == "500.00"


@pytest.mark.parametrize(
    ("body", "field"), [({}, "file"), ({"filename": "x.txt", "content_base64": "not base64!"}, "content_base64")]
)
def test_a_body_without_a_file_is_refused_naming_the_field(billing, client_for, body, field):
    response = client_for(billing).post(reverse("api-bank-file-import"), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not BankFile.objects.exists()


def test_the_front_desk_may_not_import_bank_files(front_desk, client_for):
    assert send(client_for(front_desk), b"x").status_code == 403
    assert not BankFile.objects.exists()
