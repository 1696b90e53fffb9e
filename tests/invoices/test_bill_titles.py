"""A bill's title says what it is for (invoices.line_kinds.bill_title): a copy of the records or a missed
appointment alone is no visit. The bill page, the PDF and the reminder's subject use the same title."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from catalogue.default_catalogue import SERVICES
from catalogue.vocabulary import ServiceKind
from invoices import services
from invoices.line_kinds import bill_title, line_service_kind
from invoices.models import Coverage
from invoices.pdf import invoice_pdf_bytes
from invoices.templatetags.money import money
from patient_collections.letters import notice_letter_pdf
from patient_collections.notices import notice_text
from patients.models import Patient
from tests.factories import at, issued_invoice, pdf_text, sent_notice, squeezed

SERVICE_DAY = date(2026, 11, 2)


@dataclass(frozen=True)
class Line:
    code: str


def title_of(*codes: str) -> str:
    with translation.override("en"):
        return bill_title([Line(code) for code in codes], SERVICE_DAY)


def test_it_titles_a_bill_for_a_copy_of_the_records_alone_as_such():
    assert title_of("KOPI") == "Copy of your medical records"
    assert title_of("JOURNAL", "journal") == "Copy of your medical records"


def test_it_titles_a_missed_appointment_alone_as_such():
    assert title_of("IKKEMOTT") == "Missed appointment on 2 November 2026"


def test_it_titles_any_other_bill_as_a_visit():
    assert title_of("2ad") == "Bill for your visit on 2 November 2026"
    assert title_of("2ad", "KOPI") == "Bill for your visit on 2 November 2026"
    assert title_of("KOPI", "IM") == "Bill for your visit on 2 November 2026"


@pytest.mark.parametrize("jurisdiction", ["NO", "US", "FR"])
def test_it_knows_the_kind_of_lines_written_before_the_catalogue_by_their_code(jurisdiction):
    quick_kinds = {ServiceKind.RECORDS_COPY, ServiceKind.NO_SHOW, ServiceKind.CERTIFICATE}
    defaults = [service for service in SERVICES[jurisdiction] if service.kind in quick_kinds]

    assert {service.kind: line_service_kind(Line(service.code)) for service in defaults} == {
        kind: kind for kind in quick_kinds
    }


def test_a_line_from_the_catalogue_has_the_kind_of_its_service():
    @dataclass(frozen=True)
    class CatalogueLine:
        code: str
        service_kind: str

    assert line_service_kind(CatalogueLine("ANY", ServiceKind.RECORDS_COPY)) == ServiceKind.RECORDS_COPY


@pytest.fixture
def records_copy_bill(patient):
    Patient.objects.filter(pk=patient.pk).update(language="en", email="kari@example.org")
    patient.refresh_from_db()
    return issued_invoice(patient, lines=[("KOPI", "Copy of medical records", "1", "95.00", Coverage.PATIENT)])


@pytest.mark.django_db
def test_the_bill_page_and_the_pdf_carry_the_records_copy_title(records_copy_bill, client_for):
    url = reverse(
        "portal:portal-bill", kwargs={"patient_id": records_copy_bill.patient_id, "invoice_id": records_copy_bill.pk}
    )
    with time_machine.travel(date(2026, 11, 10), tick=False):
        page = client_for(records_copy_bill.patient.user).get(url).content.decode()

    assert '<h1 class="h2">Copy of your medical records</h1>' in page
    assert "Bill for your visit" not in page
    text = pdf_text(invoice_pdf_bytes(records_copy_bill))
    assert squeezed("Copy of your medical records") in squeezed(text)


@pytest.mark.django_db
def test_the_reminders_subject_and_letter_carry_the_bills_title(records_copy_bill):
    reminder = sent_notice(records_copy_bill, sent_at=at(date(2026, 11, 20)), channel="email")

    text = notice_text(reminder, records_copy_bill, records_copy_bill.patient_due)

    assert text.subject == f"Payment reminder: invoice {records_copy_bill.number} — Copy of your medical records"
    assert squeezed("Copy of your medical records") in squeezed(pdf_text(notice_letter_pdf(reminder)))


@pytest.mark.django_db
def test_a_reminder_explains_the_principal_with_the_bills_rows(patient):
    Patient.objects.filter(pk=patient.pk).update(language="en")
    patient.refresh_from_db()
    invoice = issued_invoice(
        patient,
        lines=[
            ("2cd", "Specialist consultation", "1", "1250.00", Coverage.INSURER),
            ("2ad", "Consultation", "1", "183.00", Coverage.PATIENT),
        ],
    )
    services.payment_record(invoice_id=invoice.pk, amount="1000.00", payer="insurer", method="remittance", by=None)
    invoice = services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)
    reminder = sent_notice(invoice, sent_at=at(date(2026, 11, 20)), channel="email")

    body = notice_text(reminder, invoice, invoice.patient_due).body

    with translation.override("en"):
        assert (
            f"Total for all lines: {money(Decimal('1433.00'))}\n"
            f"Your insurer's share: −{money(Decimal('1250.00'))}\n"
            f"Not covered by your insurer: {money(Decimal('183.00'))}\n"
            f"Not paid by your insurer: now yours to pay: +{money(Decimal('250.00'))}\n"
            f"Principal: {money(Decimal('433.00'))}"
        ) in body
