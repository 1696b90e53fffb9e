"""The invoice PDF: content, the patient's language, drafts, no fetching of URLs, a fixed number of queries.

The catalogs must be compiled first (`manage.py compilemessages`, as the Makefile and CI do).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from invoices import pdf, services
from invoices.models import Coverage, Invoice
from invoices.templatetags.money import money
from patients.models import Coverage as PatientCoverage
from tests.factories import draft_invoice, issued_invoice, pdf_text, squeezed

FILE_IMAGE = '<img src="file:///etc/passwd">'
HTTP_IMAGE = '<img src="http://127.0.0.1:9/x">'

pytestmark = pytest.mark.django_db


def money_in(value: Decimal, language: str) -> str:
    with translation.override(language):
        return squeezed(money(value))


def test_it_renders_an_issued_invoice_with_its_number_lines_reference_and_amount_due(patient):
    patient.language = "en"
    patient.save()
    invoice = issued_invoice(patient)

    data = pdf.invoice_pdf_bytes(invoice)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert invoice.number in text
    assert invoice.payment_reference in text
    for line in invoice.lines.all():
        assert squeezed(line.description) in squeezed(text)
    assert invoice.patient_due == Decimal("71.00")
    assert money_in(invoice.patient_due, "en") in squeezed(text)
    assert "To pay now" in text
    assert "How to pay" in text
    assert "DRAFT" not in text


def test_it_uses_norwegian_for_a_norwegian_speaking_patient(patient):
    assert patient.language == "nb"
    invoice = issued_invoice(patient)

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert "Faktura" in text
    assert "Forfallsdato" in text
    assert "KID" in text
    assert "Å betale" in text
    assert "Invoice number" not in text
    assert money_in(invoice.patient_due, "nb") in squeezed(text)


def test_it_uses_french_for_a_french_speaking_patient(patient):
    patient.language = "fr"
    patient.save()
    invoice = issued_invoice(patient)

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert "Facture" in text
    assert "Date d’échéance" in text or "Date d'échéance" in text
    assert "Montant à payer" in text
    assert "Due date" not in text


def test_it_uses_russian_for_a_russian_speaking_patient(other_patient):
    invoice = issued_invoice(other_patient)

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert "Счёт" in text
    assert "К оплате" in text


def test_it_marks_a_draft_as_not_a_bill_and_leaves_out_the_payment_box(patient):
    patient.language = "en"
    patient.save()
    invoice = draft_invoice(patient)

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert "DRAFT — not a bill" in text
    assert "How to pay" not in text
    assert "Bank account" not in text
    assert "Dressing materials" in text


def test_it_shows_a_credit_when_the_patient_has_paid_too_much(patient):
    patient.language = "en"
    patient.save()
    invoice = issued_invoice(patient)
    services.payment_record(invoice_id=invoice.pk, amount="100.00", payer="patient", method="card", by=None)
    invoice.refresh_from_db()

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert "Credit in your favour" in text
    assert "How to pay" not in text
    assert money_in(Decimal("29.00"), "en") in squeezed(text)


def test_it_counts_patient_payments_net_of_reversals(patient):
    patient.language = "en"
    patient.save()
    invoice = issued_invoice(patient)
    kept = services.payment_record(invoice_id=invoice.pk, amount="20.00", payer="patient", method="card", by=None)
    mistaken = services.payment_record(invoice_id=invoice.pk, amount="30.00", payer="patient", method="cash", by=None)
    services.entry_reverse(entry_id=mistaken.entry.pk, reason="Posted on the wrong invoice", by=None)
    invoice.refresh_from_db()

    assert kept.entry.amount == Decimal("-20.00")
    text = pdf_text(pdf.invoice_pdf_bytes(invoice))
    assert squeezed("Already paid by you −" + money(Decimal("20.00"))) in squeezed(text)


def test_it_explains_what_an_exemption_card_does_not_cover(patient):
    patient.language = "en"
    patient.save()
    PatientCoverage.objects.create(
        patient=patient, kind=PatientCoverage.Kind.EXEMPTION_CARD, payer_name="Helfo", valid_from=date(2026, 1, 1)
    )
    invoice = issued_invoice(patient, lines=[("MED", "Medical certificate", "1", "250.00", Coverage.PATIENT)])

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert "exemption card (frikort) covers approved co-payments only" in text


@pytest.mark.parametrize("markup", [FILE_IMAGE, HTTP_IMAGE])
def test_it_prints_markup_in_a_description_as_text_and_fetches_nothing(patient, fetched_urls, markup):
    invoice = issued_invoice(patient, lines=[("BANDAGE", f"Bandage {markup}", "1", "50.00", Coverage.PATIENT)])

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert fetched_urls == []
    assert squeezed(markup) in squeezed(text)
    assert "root:" not in text


def test_it_escapes_user_text_in_the_html_it_hands_to_weasyprint(patient):
    invoice = issued_invoice(patient, lines=[("BANDAGE", f"Bandage {FILE_IMAGE}", "1", "50.00", Coverage.PATIENT)])

    html = pdf.invoice_html(invoice)

    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "<img" not in html


def test_it_refuses_every_url_even_when_a_document_names_one(fetched_urls):
    html = f'<p>{FILE_IMAGE}{HTTP_IMAGE}<img src="data:image/png;base64,iVBORw0KGgo="></p>'

    data = pdf.pdf_document(html).write_pdf()

    assert fetched_urls == ["file:///etc/passwd", "http://127.0.0.1:9/x", "data:image/png;base64,iVBORw0KGgo="]
    assert b"root:" not in data


@pytest.mark.parametrize("line_count", [1, 20])
def test_it_renders_with_a_fixed_number_of_queries(patient, django_assert_num_queries, line_count):
    lines = [(f"L{n}", f"Service {n}", "1", "10.00", Coverage.PATIENT) for n in range(line_count)]
    invoice_id = issued_invoice(patient, lines=lines).pk
    invoice = Invoice.objects.get(pk=invoice_id)

    # 1. the patient, 2. the lines, 3. the ledger summed per kind, 4. an exemption card on file
    with django_assert_num_queries(4):
        pdf.invoice_pdf_bytes(invoice)


@pytest.mark.parametrize(("quantity", "printed"), [("10", "10"), ("2", "2"), ("1.5", "1.50"), ("0.25", "0.25")])
def test_it_prints_a_quantity_as_people_write_it(patient, quantity, printed):
    """Ten sessions print as 10, not as Decimal.normalize()'s 1E+1."""
    patient.language = "en"
    patient.save()
    invoice = issued_invoice(patient, lines=[("PHYS", "Physiotherapy session", quantity, "100.00", Coverage.PATIENT)])

    text = pdf_text(pdf.invoice_pdf_bytes(invoice))

    assert squeezed(f"Physiotherapy session {printed}") in squeezed(text)
    assert "E+" not in text
