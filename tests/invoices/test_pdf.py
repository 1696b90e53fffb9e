"""The invoice PDF: content, the patient's language, drafts, no fetching of URLs, a fixed number of queries."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from invoices.pdf import invoice_pdf_bytes
from tests.factories import issued_invoice


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.mark.django_db
def test_it_renders_an_issued_invoice(patient):
    invoice = issued_invoice(patient)
    data = invoice_pdf_bytes(invoice)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert invoice.number in text
    assert invoice.payment_reference in text
