"""Corrections over the API (issue 19, item 5): a patient's contact details, cancelling a draft, credit notes with
four-eyes above the policy's threshold, reversing a payment and asking for a refund of credit."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.test import Client

from disputes import services as dispute_services
from disputes.models import AdjustmentRequest
from invoices import services as invoice_services
from invoices.models import CreditNote, Invoice, LedgerEntry, RefundRequest
from patients.models import ContactChange, Patient
from tests.factories import PatientFactory, draft_invoice, invoice_with_credit, issue, issued_invoice

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, data: dict, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, data, content_type="application/json", headers=headers)


def patch(client: Client, url: str, data: dict):
    return client.patch(url, data, content_type="application/json")


def texted(**fields: object) -> Patient:
    """A patient reached by text message (the factory's patient has a phone, and no postal address)."""
    return PatientFactory(**{"preferred_channel": "sms", **fields})  # type: ignore[return-value]


# --- PATCH /patients/{id}/ ----------------------------------------------------------------------------------


def test_it_changes_only_the_contact_details_sent(billing, client_for):
    patient = PatientFactory(phone="+47 400 00 000", preferred_channel="sms", city="Oslo")

    response = patch(client_for(billing), f"/api/v1/patients/{patient.pk}/", {"phone": "+47 911 11 111"})

    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.phone, patient.preferred_channel, patient.city) == ("+47 911 11 111", "sms", "Oslo")
    assert response.json()["phone"] == "+47 911 11 111"


def test_it_audits_the_change_with_the_token_user_as_actor(billing, client_for):
    patient = texted(language="nb")

    patch(client_for(billing), f"/api/v1/patients/{patient.pk}/", {"language": "fr"})

    change = LogEntry.objects.get_for_object(patient).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert change.actor == billing
    assert change.changes_dict["language"] == ["nb", "fr"]


def test_it_asks_the_patient_to_confirm_an_email_changed_by_staff(billing, client_for):
    # The staff screen's service, so the same safeguard: a new address is confirmed with the patient.
    patient = texted(email="old@example.org")

    patch(client_for(billing), f"/api/v1/patients/{patient.pk}/", {"email": "new@example.org"})

    assert ContactChange.objects.filter(patient=patient, new_email="new@example.org").exists()


def test_it_refuses_a_channel_the_patient_cannot_be_reached_by(billing, client_for):
    patient = PatientFactory(email="", preferred_channel="sms")

    response = patch(client_for(billing), f"/api/v1/patients/{patient.pk}/", {"preferred_channel": "email"})

    assert response.status_code == 400
    assert "email" in response.json()
    assert Patient.objects.get(pk=patient.pk).preferred_channel == "sms"


def test_it_refuses_a_patch_of_the_name(billing, client_for):
    # Who the patient is (name, date of birth) is not a contact detail: an unknown field, never silently dropped.
    patient = PatientFactory()

    response = patch(client_for(billing), f"/api/v1/patients/{patient.pk}/", {"name": "Someone Else"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"


def test_it_lets_a_provider_read_but_not_change_a_patient(provider, client_for):
    patient = texted()
    client = client_for(provider)

    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code == 200
    assert patch(client, f"/api/v1/patients/{patient.pk}/", {"city": "Bergen"}).status_code == 403


# --- POST /invoices/{id}/void/ ------------------------------------------------------------------------------


def test_it_cancels_a_draft(billing, client_for):
    draft = draft_invoice(PatientFactory())

    response = post(client_for(billing), f"/api/v1/invoices/{draft.pk}/void/", {"reason": "Entered twice"})

    assert response.status_code == 200
    assert response.json()["status"] == Invoice.Status.VOID
    assert draft.status_changes.get(to_status="void").reason == "Entered twice"


def test_it_refuses_to_cancel_an_issued_invoice_with_a_code(billing, client_for):
    invoice = issue(PatientFactory())

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/void/", {"reason": "Wrong"})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert f"POST /api/v1/invoices/{invoice.pk}/credit-notes/" in response.json()["detail"]
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED


# --- POST /invoices/{id}/credit-notes/ ----------------------------------------------------------------------


def test_it_issues_a_credit_note_within_the_approval_threshold(billing, client_for):
    invoice = issue(PatientFactory())  # 500.00; the default policy's threshold is 1000.00

    response = post(
        client_for(billing), f"/api/v1/invoices/{invoice.pk}/credit-notes/", {"amount": "120.00", "reason": "Price"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["kind"], body["invoice"]) == ("120.00", CreditNote.Kind.CORRECTION, invoice.pk)
    assert CreditNote.objects.get(pk=body["id"]).number == body["number"]
    assert Invoice.objects.get(pk=invoice.pk).patient_due == Decimal("380.00")


def test_it_credits_all_that_is_left_when_no_amount_is_given(billing, client_for):
    invoice = issue(PatientFactory())

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/credit-notes/", {"reason": "Not seen"})

    assert response.json()["amount"] == "500.00"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.CREDITED


def test_it_queues_a_credit_above_the_threshold_for_the_office_manager(billing, manager, client_for):
    invoice = issued_invoice(
        PatientFactory(), lines=[("SURG", "Minor surgery", "1", "1500.00", "patient")], insurance_status="none"
    )

    response = post(
        client_for(billing), f"/api/v1/invoices/{invoice.pk}/credit-notes/", {"amount": "1200.00", "reason": "Goodwill"}
    )

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["amount"], body["required_role"]) == ("pending", "1200.00", "office_manager")
    assert (body["complaint"], body["collection_case"]) == (None, None)
    assert not CreditNote.objects.filter(invoice=invoice).exists()


def test_it_posts_the_queued_credit_when_another_colleague_approves_it(billing, manager, client_for):
    invoice = issued_invoice(
        PatientFactory(), lines=[("SURG", "Minor surgery", "1", "1500.00", "patient")], insurance_status="none"
    )
    queued = post(
        client_for(billing), f"/api/v1/invoices/{invoice.pk}/credit-notes/", {"amount": "1200.00", "reason": "Goodwill"}
    ).json()

    dispute_services.adjustment_approve(adjustment_id=queued["id"], by=manager)

    credit_note = CreditNote.objects.get(invoice=invoice)
    assert (credit_note.amount, credit_note.requested_by, credit_note.approved_by) == (
        Decimal("1200.00"),
        billing,
        manager,
    )
    assert AdjustmentRequest.objects.get(pk=queued["id"]).ledger_entry.reference == f"credit-request-{queued['id']}"


def test_it_refuses_a_credit_beyond_what_is_left_naming_the_amount(billing, client_for):
    invoice = issue(PatientFactory())

    response = post(
        client_for(billing), f"/api/v1/invoices/{invoice.pk}/credit-notes/", {"amount": "600.00", "reason": "Too much"}
    )

    assert response.status_code == 400
    assert "amount" in response.json()


def test_it_refuses_a_credit_note_on_a_draft(billing, client_for):
    draft = draft_invoice(PatientFactory())

    response = post(client_for(billing), f"/api/v1/invoices/{draft.pk}/credit-notes/", {"reason": "No"})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_it_issues_one_credit_note_for_a_retried_request(billing, client_for):
    invoice = issue(PatientFactory())
    client = client_for(billing)
    url = f"/api/v1/invoices/{invoice.pk}/credit-notes/"

    first = post(client, url, {"amount": "50.00", "reason": "Price"}, key="credit-1")
    retry = post(client, url, {"amount": "50.00", "reason": "Price"}, key="credit-1")

    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert CreditNote.objects.filter(invoice=invoice).count() == 1


def test_it_lets_the_front_desk_neither_credit_nor_reverse(front_desk, client_for):
    invoice = issue(PatientFactory())

    response = post(client_for(front_desk), f"/api/v1/invoices/{invoice.pk}/credit-notes/", {"reason": "Price"})

    assert response.status_code == 403


# --- POST /payments/{id}/reverse/ ---------------------------------------------------------------------------


def _paid(amount: str = "200.00") -> LedgerEntry:
    invoice = issue(PatientFactory())
    return invoice_services.payment_record(
        invoice_id=invoice.pk, amount=Decimal(amount), payer="patient", method="card", reference="T-1", by=None
    ).entry


def test_it_reverses_a_payment(billing, client_for):
    payment = _paid()

    response = post(client_for(billing), f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "Wrong invoice"})

    assert response.status_code == 201
    body = response.json()
    assert (body["payment"], body["amount"], body["reason"]) == (payment.pk, "200.00", "Wrong invoice")
    assert Invoice.objects.get(pk=payment.invoice_id).patient_due == Decimal("500.00")


def test_it_reverses_a_payment_once(billing, client_for):
    payment = _paid()
    client = client_for(billing)
    post(client, f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "Wrong invoice"})

    again = post(client, f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "Wrong invoice"})

    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert LedgerEntry.objects.filter(reverses=payment).count() == 1


def test_it_answers_404_for_an_entry_that_is_no_payment(billing, client_for):
    invoice = issue(PatientFactory())
    charge = invoice.entries.get(kind=LedgerEntry.Kind.CHARGE)

    response = post(client_for(billing), f"/api/v1/payments/{charge.pk}/reverse/", {"reason": "No"})

    assert response.status_code == 404


# --- POST /invoices/{id}/refunds/ ---------------------------------------------------------------------------


def test_it_queues_a_refund_of_credit_for_approval(billing, manager, client_for):
    invoice = invoice_with_credit(PatientFactory(), credit="100.00")

    response = post(
        client_for(billing),
        f"/api/v1/invoices/{invoice.pk}/refunds/",
        {"amount": "100.00", "method": "cash", "reference": "Receipt 7", "reason": "Overpaid"},
    )

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["amount"], body["method"]) == ("pending", "100.00", "cash")
    assert not invoice.entries.filter(kind=LedgerEntry.Kind.REFUND).exists()
    assert RefundRequest.objects.get(pk=body["id"]).requested_by == billing


def test_it_refuses_a_refund_beyond_the_credit(billing, manager, client_for):
    invoice = invoice_with_credit(PatientFactory(), credit="100.00")

    response = post(
        client_for(billing),
        f"/api/v1/invoices/{invoice.pk}/refunds/",
        {"amount": "150.00", "method": "cash", "reference": "Receipt 7"},
    )

    assert response.status_code == 400
    assert "amount" in response.json()


def test_it_reads_a_refund_back_once_approved(billing, manager, client_for):
    invoice = invoice_with_credit(PatientFactory(), credit="100.00")
    client = client_for(billing)
    refund = post(
        client, f"/api/v1/invoices/{invoice.pk}/refunds/", {"amount": "40.00", "method": "cash", "reference": "R-1"}
    ).json()
    invoice_services.refund_approve(refund_id=refund["id"], by=manager)

    body = client.get(f"/api/v1/refunds/{refund['id']}/").json()

    assert body["status"] == "approved"
    assert body["ledger_entry"] is not None
