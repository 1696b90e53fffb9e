"""An insurer that settles for less than expected: the staff page and the PDF say how much moved to the
patient's share, so "patient's share" and "patient owes" agree on screen and on paper."""

from decimal import Decimal

from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from invoices import services
from invoices.models import InsuranceStatus, Invoice
from invoices.pdf import invoice_pdf_bytes
from invoices.templatetags.money import money
from tests.factories import issued_invoice, pdf_text, squeezed

LINES = [
    ("SURG", "Minor surgery", "1", "1250.00", "insurer"),
    ("MAT", "Dressing materials", "1", "62.00", "patient"),
]


def short_paid(patient) -> Invoice:
    """The insurer expected to pay 1,250 pays 1,000, then the invoice is marked insurance settled."""
    invoice = issued_invoice(patient, lines=LINES)
    services.payment_record(
        invoice_id=invoice.pk, amount="1000.00", payer="insurer", method="insurer_remittance", by=None
    )
    return services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)


def en_money(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


def test_the_staff_page_says_what_moved_to_the_patients_share(patient, billing, client_for):
    invoice = short_paid(patient)

    page = client_for(billing).get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    totals = page.split('id="totals-title"', 1)[1].split("</section>", 1)[0]

    assert f'id="share-third_party_shortfall">+{en_money("250.00")}' in totals
    assert f'id="share-not_covered">{en_money("62.00")}' in totals
    assert f'id="invoice-patient-due">{en_money("312.00")}' in totals


def test_the_pdf_says_what_moved_to_the_patients_share(patient):
    patient.language = "en"
    patient.save(update_fields=["language"])
    invoice = short_paid(patient)

    text = squeezed(pdf_text(invoice_pdf_bytes(invoice)))

    # 1,312 − 1,250 = 62, + 250 = 312: every figure between the total and what is owed is on the paper.
    assert (
        squeezed(
            f"Total for all lines {en_money('1312.00')}"
            f" Your insurer's share −{en_money('1250.00')}"
            f" Not covered by your insurer {en_money('62.00')}"
            f" Not paid by your insurer: now yours to pay +{en_money('250.00')}"
            f" To pay now {en_money('312.00')}"
        )
        in text
    )


def test_a_full_payment_or_a_pending_insurer_moves_nothing(patient, billing, client_for):
    pending = issued_invoice(patient, lines=LINES)
    services.payment_record(
        invoice_id=pending.pk, amount="1000.00", payer="insurer", method="insurer_remittance", by=None
    )
    paid = issued_invoice(patient, lines=LINES)
    services.payment_record(invoice_id=paid.pk, amount="1250.00", payer="insurer", method="insurer_remittance", by=None)
    paid = services.invoice_mark_insurance_settled(invoice_id=paid.pk, by=None)

    for invoice in (pending, paid):
        invoice.refresh_from_db()
        page = client_for(billing).get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
        assert invoice.insurer_shortfall == Decimal("0.00")
        assert 'id="share-third_party_shortfall"' not in page


cents = st.integers(min_value=0, max_value=10**8).map(lambda n: Decimal(n) / 100)


@given(patient_part=cents, expected=cents, paid=cents)
def test_a_settled_shortfall_and_what_the_insurer_paid_add_up_to_the_total(patient_part, expected, paid):
    invoice = Invoice(
        total=patient_part + expected,
        third_party_share=expected,
        insurer_paid=min(paid, expected),
        insurance_status=InsuranceStatus.SETTLED,
    )

    assert invoice.patient_share_after_insurance + invoice.insurer_paid == invoice.total
    assert invoice.insurer_shortfall >= 0
