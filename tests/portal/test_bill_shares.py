"""Who pays what, on the bill page and on the PDF, for each kind of coverage: the same rows on screen and on paper,
only the shares the bill has, adding up from the total to what the patient owes."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from invoices import services
from invoices.models import Coverage, Invoice
from invoices.pdf import invoice_pdf_bytes
from invoices.templatetags.money import money
from patients.models import Coverage as PatientCoverage
from patients.models import Patient
from tests.factories import issued_invoice, pdf_text, squeezed

TODAY = date(2026, 11, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def en(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


@pytest.fixture
def english_patient(patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language="en")
    patient.refresh_from_db()
    return patient


def holds(patient: Patient, kind: str, payer: str) -> None:
    PatientCoverage.objects.create(patient=patient, kind=kind, payer_name=payer, valid_from=date(2026, 1, 1))


def page_rows(client, invoice: Invoice) -> str:
    url = reverse("portal:portal-bill", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk})
    page = client.get(url).content.decode()
    table = page.split('id="bill-shares">', 1)[1].split("</table>", 1)[0]
    return squeezed(html.unescape(re.sub(r"<[^>]+>", " ", table)))


def paper_rows(invoice: Invoice) -> str:
    return squeezed(pdf_text(invoice_pdf_bytes(invoice)))


def rows(*pairs: tuple[str, str]) -> str:
    return squeezed(" ".join(f"{label} {amount}" for label, amount in pairs))


def test_a_self_pay_bill_shows_the_total_and_what_to_pay(english_patient, client_for):
    invoice = issued_invoice(english_patient, lines=[("2ad", "Consultation", "1", "183.00", Coverage.PATIENT)])

    expected = rows(("Total for all lines", en("183.00")), ("To pay now", en("183.00")))

    assert page_rows(client_for(english_patient.user), invoice) == expected
    assert expected in paper_rows(invoice)
    assert "insurer" not in paper_rows(invoice).casefold()


def test_an_insurers_shortfall_is_on_the_page_and_on_paper_and_adds_up(english_patient, client_for):
    holds(english_patient, "insurer", "If Skadeforsikring")
    invoice = issued_invoice(
        english_patient,
        lines=[
            ("2cd", "Specialist consultation", "1", "1250.00", Coverage.INSURER),
            ("2ad", "Consultation", "1", "183.00", Coverage.PATIENT),
        ],
    )
    services.payment_record(
        invoice_id=invoice.pk, amount="1000.00", payer="insurer", method="insurer_remittance", by=None
    )
    invoice = services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)

    # 1,433 − 1,250 = 183, + 250 = 433: the line the French PDF left out is there.
    expected = rows(
        ("Total for all lines", en("1433.00")),
        ("Your insurer's share", "−" + en("1250.00")),
        ("Not covered by your insurer", en("183.00")),
        ("Not paid by your insurer: now yours to pay", "+" + en("250.00")),
        ("To pay now", en("433.00")),
    )

    assert page_rows(client_for(english_patient.user), invoice) == expected
    assert expected in paper_rows(invoice)


def test_a_frikort_bill_names_only_the_card_and_never_an_insurer(english_patient, client_for):
    holds(english_patient, "exemption_card", "Helfo")
    invoice = issued_invoice(
        english_patient,
        lines=[
            ("2ad", "Consultation", "1", "183.00", Coverage.EXEMPTION_CARD),
            ("MAT", "Dressing materials", "2", "85.00", Coverage.PATIENT),
        ],
    )
    client = client_for(english_patient.user)

    expected = rows(
        ("Total for all lines", en("353.00")),
        ("Covered by your exemption card (frikort)", "−" + en("183.00")),
        ("To pay now", en("170.00")),
    )
    page = client.get(
        reverse("portal:portal-bill", kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})
    ).content.decode()

    assert page_rows(client, invoice) == expected
    assert expected in paper_rows(invoice)
    assert "Your insurer" not in page
    assert "Your insurer" not in pdf_text(invoice_pdf_bytes(invoice))
    assert "The part your exemption card covers has not been settled yet." in page


def test_a_frikort_patient_never_reads_that_what_she_owes_is_her_egenandel(patient):
    holds(patient, "exemption_card", "Helfo")
    assert patient.language == "nb"
    invoice = issued_invoice(
        patient,
        lines=[
            ("2ad", "Konsultasjon", "1", "183.00", Coverage.EXEMPTION_CARD),
            ("MAT", "Materiell", "1", "85.00", Coverage.PATIENT),
        ],
    )
    services.payment_record(invoice_id=invoice.pk, amount="20.00", payer="patient", method="card", by=None)

    text = pdf_text(invoice_pdf_bytes(invoice))

    assert "Din egenandel" not in text
    assert squeezed("Å betale nå" + money_in_nb("65.00")) in squeezed(text)


def money_in_nb(amount: str) -> str:
    with translation.override("nb"):
        return money(Decimal(amount))


def test_tiers_payant_says_the_health_insurance_pays_us_directly(english_patient, client_for):
    holds(english_patient, "tiers_payant", "CPAM de Paris")
    invoice = issued_invoice(
        english_patient,
        lines=[
            ("GS", "GP consultation, part paid by the health insurance", "1", "21.00", Coverage.INSURER),
            ("TM", "Ticket modérateur", "1", "9.00", Coverage.PATIENT),
        ],
    )
    client = client_for(english_patient.user)

    expected = rows(
        ("Total for all lines", en("30.00")),
        ("Paid directly to us by your health insurance (tiers payant)", "−" + en("21.00")),
        ("To pay now", en("9.00")),
    )

    assert page_rows(client, invoice) == expected
    assert expected in paper_rows(invoice)
    assert "Your insurer" not in pdf_text(invoice_pdf_bytes(invoice))


def test_the_staff_page_shows_the_same_rows_in_staff_words(english_patient, billing, client_for):
    holds(english_patient, "exemption_card", "Helfo")
    invoice = issued_invoice(
        english_patient,
        lines=[
            ("2ad", "Consultation", "1", "183.00", Coverage.EXEMPTION_CARD),
            ("KOPI", "Copy of medical records", "1", "95.00", Coverage.PATIENT),
        ],
    )
    services.payment_record(invoice_id=invoice.pk, amount="100.00", payer="insurer", method="helfo", by=None)
    services.payment_record(invoice_id=invoice.pk, amount="50.00", payer="patient", method="card", by=None)

    page = client_for(billing).get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    totals = page.split('id="invoice-shares">', 1)[1].split("</dl>", 1)[0]

    assert squeezed(html.unescape(re.sub(r"<[^>]+>", " ", totals))) == rows(
        ("Total", en("278.00")),
        ("Covered by the exemption card (frikort) (paid so far: " + en("100.00") + ")", "−" + en("183.00")),
        ("Patient's part", en("95.00")),
        ("Paid by the patient", "−" + en("50.00")),
        ("Patient owes now", en("45.00")),
    )


def test_a_frikort_bill_waits_for_the_card_not_for_an_insurer(english_patient, client_for):
    holds(english_patient, "exemption_card", "Helfo")
    invoice = issued_invoice(
        english_patient,
        lines=[("2ad", "Consultation", "1", "183.00", Coverage.EXEMPTION_CARD)],
        insurance_status="pending",
    )
    client = client_for(english_patient.user)

    listing = client.get(reverse("portal:portal-bills", kwargs={"patient_id": english_patient.pk})).content.decode()
    page = client.get(
        reverse("portal:portal-bill", kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})
    ).content.decode()

    for html_page in (listing, page):
        assert "Waiting for the payment under your exemption card" in html_page
        assert "Waiting for your insurer" not in html_page
