"""Issue 15's "same name and price everywhere": a Norwegian patient billed for 2ad reads "Legetime" at the same
price on the portal bill, in the bill's PDF, in the reminder, and on the public price list."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from invoices import services
from invoices.templatetags.money import money
from patient_collections.notices import notice_text
from tests.factories import PatientFactory, UserFactory, at, pdf_text, sent_notice, squeezed

pytestmark = pytest.mark.django_db

SERVICE_DAY, ISSUE_DAY, READ_DAY = date(2026, 11, 2), date(2026, 11, 3), date(2026, 12, 10)


@pytest.fixture
def kari(settings):
    settings.CLINIC_LANGUAGE = "nb"
    patient = PatientFactory(name="Kari Nordmann", language="nb", user=UserFactory(username="kari_nb"))
    draft = services.invoice_create_draft(
        patient_id=patient.pk,
        service_date=SERVICE_DAY,
        # The practice system sends the code only: the line takes the catalogue's words.
        lines=[services.LineInput("2ad", "", Decimal("1"), Decimal("183.00"))],
        by=None,
    )
    invoice = services.invoice_issue(invoice_id=draft.pk, by=None, today=ISSUE_DAY)
    return patient, invoice


def nb(amount: str) -> str:
    with translation.override("nb"):
        return money(Decimal(amount))


def test_a_norwegian_patient_reads_the_same_name_and_price_everywhere(kari, client_for):
    patient, invoice = kari
    price = nb("183.00")
    bill_kwargs = {"patient_id": patient.pk, "invoice_id": invoice.pk}

    with time_machine.travel(at(READ_DAY), tick=False):
        portal = client_for(patient.user)
        portal.cookies["django_language"] = "nb"
        bill = portal.get(reverse("portal:portal-bill", kwargs=bill_kwargs)).content.decode()
        pdf = pdf_text(portal.get(reverse("portal:portal-bill-pdf", kwargs=bill_kwargs)).content)
        reminder = notice_text(sent_notice(invoice, sent_at=at(READ_DAY)), invoice, invoice.patient_due).body
        visitor = Client()
        visitor.cookies["django_language"] = "nb"
        prices = visitor.get(reverse("portal:portal-prices")).content.decode()

    assert "Legetime" in bill and price in bill
    assert "Legetime" in pdf and squeezed(price) in squeezed(pdf)
    assert "Legetime" in reminder and price in reminder
    assert "Legetime" in prices and "2ad" in prices and price in prices
    assert "GP consultation" not in bill + pdf + reminder + prices
