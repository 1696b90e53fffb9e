"""Credit notes on the portal's bill page: listed with a PDF link, for the owner only, every read audited."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import transaction
from django.urls import reverse

from invoices import services
from invoices.models import CreditNote, Invoice, LedgerEntry
from patients.models import Patient
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

MIDDAY = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
LINES = [("GP1", "Consultation", "1", "640.00", "patient"), ("MAT", "Dressing", "1", "60.00", "patient")]


@pytest.fixture
def english_patient(patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language="en")
    patient.refresh_from_db()
    return patient


def credited(invoice: Invoice, amount: str = "60.00") -> CreditNote:
    with transaction.atomic():
        locked = services.invoice_lock(invoice_id=invoice.pk)
        entry = services.invoice_adjust(
            invoice=locked,
            kind=LedgerEntry.Kind.SMALL_CLAIM_CREDIT,
            amount=Decimal(amount),
            reference="case-1",
            note="Small claim credited",
            by=None,
        )
    return CreditNote.objects.get(ledger_entry=entry)


def pdf_url(note: CreditNote, patient: Patient) -> str:
    kwargs = {"patient_id": patient.pk, "invoice_id": note.invoice_id, "credit_note_id": note.pk}
    return reverse("portal:portal-credit-note-pdf", kwargs=kwargs)


@time_machine.travel(MIDDAY, tick=False)
def test_it_lists_the_credit_notes_of_a_bill_with_a_link_to_each_pdf(english_patient, client_for):
    invoice = issued_invoice(english_patient, lines=LINES)
    note = credited(invoice)
    bill_url = reverse("portal:portal-bill", kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})

    page = client_for(english_patient.user).get(bill_url).content.decode()

    assert "Credit note CN-2026-000001" in page
    assert f'href="{pdf_url(note, english_patient)}"' in page
    assert "Small-claim credit" in page


def test_a_bill_without_credit_notes_has_no_credit_note_section(english_patient, client_for):
    invoice = issued_invoice(english_patient, lines=LINES)
    bill_url = reverse("portal:portal-bill", kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})
    assert 'id="bill-credit-notes"' not in client_for(english_patient.user).get(bill_url).content.decode()


@time_machine.travel(MIDDAY, tick=False)
def test_it_sends_the_owner_the_pdf_and_audits_the_read(english_patient, client_for):
    note = credited(issued_invoice(english_patient, lines=LINES))

    response = client_for(english_patient.user).get(pdf_url(note, english_patient))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert "credit-note-CN-2026-000001.pdf" in response["Content-Disposition"]
    read = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(note.invoice_id))
    assert read.actor == english_patient.user


@time_machine.travel(MIDDAY, tick=False)
def test_another_patient_gets_404_for_a_credit_note_that_is_not_theirs(english_patient, other_patient, client_for):
    note = credited(issued_invoice(english_patient, lines=LINES))
    others_client = client_for(other_patient.user)

    assert others_client.get(pdf_url(note, english_patient)).status_code == 404
    # Their own patient id with someone else's invoice and credit note: still not found.
    assert others_client.get(pdf_url(note, other_patient)).status_code == 404


@time_machine.travel(MIDDAY, tick=False)
def test_a_credit_note_is_only_found_under_the_bill_it_credits(english_patient, client_for):
    note = credited(issued_invoice(english_patient, lines=LINES))
    another_bill = issued_invoice(english_patient, lines=LINES)
    kwargs = {"patient_id": english_patient.pk, "invoice_id": another_bill.pk, "credit_note_id": note.pk}

    response = client_for(english_patient.user).get(reverse("portal:portal-credit-note-pdf", kwargs=kwargs))

    assert response.status_code == 404
