"""Billing's bank file pages: import in the browser, the report, the queue and a payment's decisions."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments_in import services
from payments_in.models import BankFile, BankTransaction
from payments_in.parsers import BankFileRefused, FileFormat, ParsedFile
from payments_in.parsers import BankTransaction as Parsed
from tests.factories import PatientFactory, issue

pytestmark = pytest.mark.django_db

BOOKED = date(2026, 1, 20)


@pytest.fixture
def parses_as(monkeypatch):
    def set_(*transactions: Parsed) -> None:
        parsed = ParsedFile(
            format=FileFormat.CAMT_054, file_id="M1", created_on=BOOKED, transactions=list(transactions)
        )
        monkeypatch.setattr(services, "parse_bank_file", lambda content, filename="": parsed)

    return set_


def payment(transaction_id: str, reference: str, amount: str, name: str = "ASTRID BERG") -> Parsed:
    return Parsed(
        transaction_id=transaction_id,
        amount=Decimal(amount),
        currency="NOK",
        booked_on=BOOKED,
        reference=reference,
        payer_name=name,
        line=7,
    )


def upload(client, name: str = "camt054.xml"):
    return client.post(reverse("bankfiles:bank-file-list"), {"file": SimpleUploadedFile(name, b"<xml/>")})


def test_only_billing_and_the_office_manager_import_bank_files(client_for, front_desk, provider, billing, manager):
    url = reverse("bankfiles:bank-file-list")
    assert client_for(front_desk).get(url).status_code == 403
    assert client_for(provider).get(url).status_code == 403
    assert client_for(billing).get(url).status_code == 200
    assert client_for(manager).get(url).status_code == 200


def test_billing_imports_a_file_and_reads_its_report(client_for, billing, patient, parses_as):
    paid, unknown = issue(patient), "123456789015"
    parses_as(payment("camt:1", paid.payment_reference, "500.00"), payment("camt:2", unknown, "80.00"))
    client = client_for(billing)
    response = upload(client)
    bank_file = BankFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bankfiles:bank-file-detail", args=[bank_file.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Imported: 1 posted, 1 in the queue, 0 already imported." in page
    assert "No invoice has this payment reference" in page
    assert paid.number in page and patient.name in page
    report = client.get(reverse("bankfiles:bank-file-report", args=[bank_file.pk])).content.decode()
    assert "Posted,1,500.00" in report and "Waiting in the queue,1,80.00" in report
    assert f"camt:1,2026-01-20,500.00,{paid.payment_reference},Posted,,{paid.number}" in report
    # Importing it again posts nothing and says so.
    again = client.get(upload(client)["Location"]).content.decode()
    assert "Imported: 0 posted, 0 in the queue, 2 already imported." in again
    paid.refresh_from_db()
    assert paid.balance == Decimal("0.00")


def test_a_refused_file_shows_the_line_and_the_reason(client_for, billing, monkeypatch):
    def refuse(content, filename=""):
        raise BankFileRefused("The file ends before its end record: it was cut off.", line=41)

    monkeypatch.setattr(services, "parse_bank_file", refuse)
    client = client_for(billing)
    page = client.get(upload(client, "ocr.txt")["Location"]).content.decode()
    assert "The file was refused; nothing of it was imported." in page
    assert "Line 41:" in page and "cut off" in page


def test_an_upload_without_a_file_is_refused_on_the_form(client_for, billing):
    response = client_for(billing).post(reverse("bankfiles:bank-file-list"), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not BankFile.objects.exists()


def test_the_queue_suggests_the_invoice_and_billing_matches_it(client_for, billing, parses_as):
    astrid = PatientFactory(name="Astrid Berg")
    invoice = issue(astrid)
    PatientFactory(name="Someone Else")
    parses_as(payment("camt:7", "", "500.00", name="BERG ASTRID"))
    client = client_for(billing)
    upload(client)
    row = BankTransaction.objects.get()
    queue = client.get(reverse("bankfiles:queue-list")).content.decode()
    assert "1 payment waiting" in queue and "The payment carries no payment reference" in queue
    page = client.get(reverse("bankfiles:transaction-detail", args=[row.pk])).content.decode()
    assert f"Match to {invoice.number}" in page
    assert "same amount, payer's name, due near the payment date" in page
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(invoice.pk)).exists()
    response = client.post(reverse("bankfiles:transaction-match", args=[row.pk]), {"invoice_number": invoice.number})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")
    page = client.get(response["Location"]).content.decode()
    assert "Matched and posted." in page and "Matched by billing" in page


def test_a_split_that_does_not_add_up_shows_why_and_posts_nothing(client_for, billing, patient, parses_as):
    first, second = issue(patient), issue(patient)
    parses_as(payment("camt:8", "", "700.00"))
    client = client_for(billing)
    upload(client)
    row = BankTransaction.objects.get()
    data = {"invoice_1": first.number, "amount_1": "500.00", "invoice_2": second.number, "amount_2": "100.00"}
    response = client.post(reverse("bankfiles:transaction-split", args=[row.pk]), data)
    assert response.status_code == 400
    assert "The parts add up to 600.00, but the payment is 700.00." in response.content.decode()
    response = client.post(reverse("bankfiles:transaction-split", args=[row.pk]), {**data, "amount_2": "200.00"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.balance == Decimal("300.00")


def test_a_posting_is_undone_with_a_reason_and_the_payment_waits_again(client_for, billing, patient, parses_as):
    invoice = issue(patient)
    parses_as(payment("camt:9", invoice.payment_reference, "500.00"))
    client = client_for(billing)
    upload(client)
    row = BankTransaction.objects.get()
    refused = client.post(reverse("bankfiles:transaction-undo", args=[row.pk]), {"undo-reason": ""})
    assert refused.status_code == 400
    response = client.post(reverse("bankfiles:transaction-undo", args=[row.pk]), {"undo-reason": "Paid by mistake"})
    assert response.status_code == 302
    row.refresh_from_db()
    invoice.refresh_from_db()
    assert (row.status, invoice.balance) == ("queued", Decimal("500.00"))
    page = client.get(response["Location"]).content.decode()
    assert "reversed" in page and "Match undone by a reversal: Paid by mistake" in page


def test_a_payment_is_marked_for_refund(client_for, billing, parses_as):
    parses_as(payment("camt:10", "", "42.00"))
    client = client_for(billing)
    upload(client)
    row = BankTransaction.objects.get()
    response = client.post(reverse("bankfiles:transaction-refund", args=[row.pk]), {"refund-reason": "Not a patient"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "refund"
