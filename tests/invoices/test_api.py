from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.test import Client
from rest_framework.authtoken.models import Token

from disputes.services import complaint_file
from invoices import services
from invoices.models import Invoice, InvoiceNumberCounter, LedgerEntry
from tests.factories import draft_invoice, issued_invoice

DRAFT = {
    "service_date": "2026-11-02",
    "lines": [
        {
            "code": "GP1",
            "description": "Consultation with a general practitioner",
            "quantity": "1",
            "unit_price": "400.00",
            "coverage": "insurer",
        },
        {
            "code": "MAT",
            "description": "Dressing materials",
            "quantity": "2",
            "unit_price": "35.50",
            "coverage": "patient",
        },
    ],
}
PAYMENT = {"amount": "71.00", "payer": "patient", "method": "bank transfer", "reference": "KID 123"}


def post(client: Client, url: str, data: dict | None = None, **headers: str):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def payments(invoice: Invoice) -> int:
    return LedgerEntry.objects.filter(invoice=invoice).exclude(kind=LedgerEntry.Kind.CHARGE).count()


def test_it_runs_the_whole_path_from_draft_to_settled_insurance(patient, billing, client_for):
    client = client_for(billing)

    created = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk})
    assert created.status_code == 201
    draft = created.json()
    assert draft["status"] == "draft"
    assert draft["number"] is None
    assert draft["insurance_status"] == "pending"
    assert [line["amount"] for line in draft["lines"]] == ["400.00", "71.00"]
    assert all(line["id"] for line in draft["lines"])
    assert draft["open_complaint"] is None
    invoice_url = f"/api/v1/invoices/{draft['id']}/"

    issued = post(client, invoice_url + "issue/")
    assert issued.status_code == 200
    assert issued.json()["status"] == "issued"
    assert issued.json()["number"]
    assert issued.json()["payment_reference"]
    assert issued.json()["due_date"]

    paid = post(client, invoice_url + "payments/", PAYMENT, **{"Idempotency-Key": "bank-2026-0001"})
    assert paid.status_code == 201
    assert paid.json()["amount"] == "71.00"
    assert paid.json()["payer"] == "patient"
    assert paid.json()["balance_after"] == "400.00"
    insurer = {"amount": "350.00", "payer": "insurer", "method": "settlement file"}
    assert post(client, invoice_url + "payments/", insurer).status_code == 201

    before_settlement = client.get(invoice_url).json()
    assert before_settlement["balance"] == "0.00"
    assert before_settlement["ledger_balance"] == "50.00"

    settled = post(client, invoice_url + "insurance-settled/")
    assert settled.status_code == 200
    body = settled.json()
    assert body["insurance_status"] == "settled"
    assert body["total"] == "471.00"
    assert body["insurer_share"] == "400.00"
    assert body["insurer_paid"] == "350.00"
    assert body["patient_share"] == "71.00"
    # The insurer paid 50.00 less than expected; once settled, the patient owes it.
    assert body["balance"] == "50.00"
    assert body["ledger_balance"] == "50.00"


def test_it_accepts_token_auth(patient, billing):
    token = Token.objects.create(user=billing)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk})

    assert response.status_code == 201
    assert Invoice.objects.get(pk=response.json()["id"]).created_by == billing


def test_it_refuses_a_wrong_token(patient):
    client = Client(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk})

    assert response.status_code in (401, 403)
    assert not Invoice.objects.exists()


def test_it_shows_a_credit_as_a_negative_balance(patient, billing, client_for):
    invoice = issued_invoice(patient)
    client = client_for(billing)

    post(client, f"/api/v1/invoices/{invoice.pk}/payments/", {**PAYMENT, "amount": "100.00"})

    assert client.get(f"/api/v1/invoices/{invoice.pk}/").json()["balance"] == "-29.00"


def test_it_replays_a_payment_with_the_same_idempotency_key(patient, billing, client_for):
    invoice = issued_invoice(patient)
    client = client_for(billing)
    url = f"/api/v1/invoices/{invoice.pk}/payments/"

    first = post(client, url, PAYMENT, **{"Idempotency-Key": "bank-2026-0001"})
    replay = post(client, url, PAYMENT, **{"Idempotency-Key": "bank-2026-0001"})

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert payments(invoice) == 1


def test_it_refuses_an_idempotency_key_reused_with_another_body(patient, billing, client_for):
    invoice = issued_invoice(patient)
    client = client_for(billing)
    url = f"/api/v1/invoices/{invoice.pk}/payments/"
    post(client, url, PAYMENT, **{"Idempotency-Key": "bank-2026-0001"})

    reuse = post(client, url, {**PAYMENT, "amount": "10.00"}, **{"Idempotency-Key": "bank-2026-0001"})

    assert reuse.status_code == 409
    assert "detail" in reuse.json()
    assert payments(invoice) == 1


def test_it_refuses_an_idempotency_key_longer_than_it_can_store(patient, billing, client_for):
    invoice = issued_invoice(patient)

    response = post(
        client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", PAYMENT, **{"Idempotency-Key": "k" * 101}
    )

    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert payments(invoice) == 0


@pytest.mark.parametrize("amount", ["-10.00", "0", "0.00", "10.005"])
def test_it_names_the_amount_of_a_refused_payment(patient, billing, client_for, amount):
    invoice = issued_invoice(patient)

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", {**PAYMENT, "amount": amount})

    assert response.status_code == 400
    assert "amount" in response.json()
    assert payments(invoice) == 0


def test_it_refuses_a_payment_on_a_draft(patient, billing, client_for):
    invoice = draft_invoice(patient)

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", PAYMENT)

    assert response.status_code == 409
    assert "detail" in response.json()
    assert not LedgerEntry.objects.filter(invoice=invoice).exists()


def test_it_refuses_an_unknown_payer(patient, billing, client_for):
    invoice = issued_invoice(patient)

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", {**PAYMENT, "payer": "cousin"})

    assert response.status_code == 400
    assert "payer" in response.json()
    assert payments(invoice) == 0


def test_it_refuses_to_issue_twice(patient, billing, client_for):
    invoice = issued_invoice(patient)
    last_number = InvoiceNumberCounter.objects.get(series="invoice").last_value

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/issue/")

    assert response.status_code == 409
    assert "detail" in response.json()
    assert InvoiceNumberCounter.objects.get(series="invoice").last_value == last_number
    assert Invoice.objects.get(pk=invoice.pk).number == invoice.number
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 1


def test_it_names_an_unknown_patient(billing, client_for):
    response = post(client_for(billing), "/api/v1/invoices/", {**DRAFT, "patient": 999999})

    assert response.status_code == 400
    assert "patient" in response.json()
    assert not Invoice.objects.exists()


def test_it_names_a_malformed_service_date(patient, billing, client_for):
    response = post(client_for(billing), "/api/v1/invoices/", {**DRAFT, "patient": patient.pk, "service_date": "2/11"})

    assert response.status_code == 400
    assert "service_date" in response.json()
    assert not Invoice.objects.exists()


def test_it_names_a_bad_coverage_value(patient, billing, client_for):
    lines = [{**DRAFT["lines"][0], "coverage": "neighbour"}]

    response = post(client_for(billing), "/api/v1/invoices/", {**DRAFT, "patient": patient.pk, "lines": lines})

    assert response.status_code == 400
    assert "coverage" in response.json()["lines"]["0"]
    assert not Invoice.objects.exists()


def test_it_names_a_unit_price_with_too_many_decimals(patient, billing, client_for):
    lines = [{**DRAFT["lines"][1], "unit_price": "35.505"}]

    response = post(client_for(billing), "/api/v1/invoices/", {**DRAFT, "patient": patient.pk, "lines": lines})

    assert response.status_code == 400
    assert "unit_price" in response.json()["lines"]["0"]
    assert not Invoice.objects.exists()


def test_it_refuses_an_invoice_without_lines(patient, billing, client_for):
    response = post(client_for(billing), "/api/v1/invoices/", {**DRAFT, "patient": patient.pk, "lines": []})

    assert response.status_code == 400
    assert "lines" in response.json()
    assert not Invoice.objects.exists()


def test_it_names_an_insurance_status_that_contradicts_the_lines(patient, billing, client_for):
    payload = {**DRAFT, "patient": patient.pk, "insurance_status": "none"}

    response = post(client_for(billing), "/api/v1/invoices/", payload)

    assert response.status_code == 400
    assert "insurance_status" in response.json()
    assert not Invoice.objects.exists()


def test_it_offers_no_way_to_edit_the_lines_of_an_issued_invoice(patient, billing, client_for):
    invoice = issued_invoice(patient)
    client = client_for(billing)
    url = f"/api/v1/invoices/{invoice.pk}/"
    changed = {**DRAFT, "patient": patient.pk}

    assert client.put(url, changed, content_type="application/json").status_code == 405
    assert client.patch(url, changed, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    assert [line.amount for line in invoice.lines.all()] == [Decimal("400.00"), Decimal("71.00")]


def test_it_lets_a_provider_read_but_not_bill_or_take_payments(patient, provider, client_for):
    invoice = issued_invoice(patient)
    client = client_for(provider)

    assert client.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 200
    assert post(client, "/api/v1/invoices/", {**DRAFT, "patient": patient.pk}).status_code == 403
    assert post(client, f"/api/v1/invoices/{invoice.pk}/payments/", PAYMENT).status_code == 403
    assert post(client, f"/api/v1/invoices/{invoice.pk}/insurance-settled/").status_code == 403
    assert payments(invoice) == 0
    assert Invoice.objects.count() == 1


def test_it_lets_front_desk_take_payments_and_issue_but_not_a_provider(patient, front_desk, provider, client_for):
    draft = draft_invoice(patient)
    invoice = issued_invoice(patient)
    desk = client_for(front_desk)

    assert post(desk, f"/api/v1/invoices/{invoice.pk}/payments/", PAYMENT).status_code == 201
    assert post(client_for(provider), f"/api/v1/invoices/{draft.pk}/issue/").status_code == 403
    assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.DRAFT
    # The desk bills walk-in visits (issue 16).
    assert post(desk, f"/api/v1/invoices/{draft.pk}/issue/").status_code == 200


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_it_never_shows_an_invoice_to_a_patient_user(patient, other_patient, client_for, suffix):
    own = issued_invoice(patient)
    other = issued_invoice(other_patient)
    client = client_for(patient.user)

    assert client.get(f"/api/v1/invoices/{other.pk}/{suffix}").status_code == 403
    assert client.get(f"/api/v1/invoices/{own.pk}/{suffix}").status_code == 403


def test_it_refuses_payments_from_a_patient_user(patient, client_for):
    invoice = issued_invoice(patient)

    response = post(client_for(patient.user), f"/api/v1/invoices/{invoice.pk}/payments/", PAYMENT)

    assert response.status_code == 403
    assert payments(invoice) == 0


def test_it_refuses_anonymous_requests(patient):
    invoice = issued_invoice(patient)

    assert Client().get(f"/api/v1/invoices/{invoice.pk}/").status_code in (401, 403)
    assert post(Client(), f"/api/v1/invoices/{invoice.pk}/payments/", PAYMENT).status_code in (401, 403)
    assert payments(invoice) == 0


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "pdf/"), ("post", "issue/"), ("post", "payments/"), ("post", "insurance-settled/")],
)
def test_it_returns_404_for_an_unknown_invoice(billing, client_for, method, suffix):
    client = client_for(billing)
    url = f"/api/v1/invoices/999999/{suffix}"

    response = client.get(url) if method == "get" else post(client, url, PAYMENT)

    assert response.status_code == 404
    assert "detail" in response.json()


def test_it_refuses_settling_insurance_twice(patient, billing, client_for):
    invoice = issued_invoice(patient)
    client = client_for(billing)
    post(client, f"/api/v1/invoices/{invoice.pk}/insurance-settled/")

    response = post(client, f"/api/v1/invoices/{invoice.pk}/insurance-settled/")

    assert response.status_code == 409


def test_it_serves_the_invoice_as_a_pdf(patient, provider, client_for):
    invoice = issued_invoice(patient)

    response = client_for(provider).get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert invoice.number in response["Content-Disposition"]


def test_it_answers_json_when_a_pdf_is_refused(billing, client_for):
    response = client_for(billing).get("/api/v1/invoices/999999/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_it_logs_each_read_of_an_invoice(patient, provider, client_for, suffix):
    invoice = issued_invoice(patient)

    client_for(provider).get(f"/api/v1/invoices/{invoice.pk}/{suffix}")

    entry = LogEntry.objects.get_for_object(invoice).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == provider


def _invoice_with(patient, count: int) -> Invoice:
    """An issued invoice with `count` lines and `count` ledger entries (the charge and count − 1 payments)."""
    lines = [(f"L{n}", f"Service {n}", "1", "100.00", "patient") for n in range(count)]
    invoice = issued_invoice(patient, lines=lines)
    for _ in range(count - 1):
        services.payment_record(invoice_id=invoice.pk, amount="1.00", payer="patient", method="cash", by=None)
    return invoice


def test_it_reads_an_invoice_in_a_fixed_number_of_queries(patient, billing, client_for, django_assert_num_queries):
    small, large = _invoice_with(patient, 1), _invoice_with(patient, 30)
    assert (small.lines.count(), large.lines.count(), large.entries.count()) == (1, 30, 30)
    client = client_for(billing)

    for invoice in (small, large):
        # 1. session  2. user  3. the user's staff roles with their own and their groups'
        # permissions  4. invoice with patient  5. its lines  6. its ledger entries  7. its open complaint
        # 8. the audit log entry  9. its credit notes (none here: their lines are not read)
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: its collection state and holds (collection_state, one query), exposed since issue 11
        with django_assert_num_queries(11):
            response = client.get(f"/api/v1/invoices/{invoice.pk}/")
        assert response.status_code == 200


def test_it_gives_an_issued_invoice_a_due_date_after_today(patient, billing, client_for):
    invoice = draft_invoice(patient, service_date=date(2026, 1, 5))

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/issue/")

    assert response.json()["service_date"] == "2026-01-05"
    assert response.json()["due_date"] > date.today().isoformat()


def test_it_shows_the_open_complaint_of_an_invoice(patient, billing, front_desk, client_for):
    invoice = issued_invoice(patient)
    assert client_for(billing).get(f"/api/v1/invoices/{invoice.pk}/").json()["open_complaint"] is None
    complaint = complaint_file(
        patient_id=patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="phone",
        category="invoice_question",
        description="What is this bill for?",
        by=front_desk,
    )

    body = client_for(billing).get(f"/api/v1/invoices/{invoice.pk}/").json()

    assert body["open_complaint"]["id"] == complaint.pk
    assert body["open_complaint"]["route_to"] == "provider"


def test_it_refuses_a_number_as_the_payment_method_and_posts_nothing(patient, billing, client_for):
    invoice = issued_invoice(patient)

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/payments/", {**PAYMENT, "method": 5})

    assert response.status_code == 400
    assert response.json()["method"] == ["Not a valid string."]
    assert payments(invoice) == 0


def test_it_answers_a_service_date_in_the_year_9999_with_a_field_error(patient, billing, client_for):
    body = {**DRAFT, "patient": patient.pk, "service_date": "9999-12-31"}

    response = client_for(billing).post("/api/v1/invoices/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["service_date"] == ["Give a date between 1900-01-01 and 2199-12-31."]
