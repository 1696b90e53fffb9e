"""One date style per language on the pages people read (issue 15, item 5): staff pages write dates and times
in the locale's numeric form ("06/12/2026 22:32", never "12/06/2026 10:32 p.m." beside "Dec 6, 2026"); the
portal writes a bill's dates in words ("1er décembre 2026")."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from patients.models import Patient
from tests.factories import CONSULTATION, issued_invoice

pytestmark = pytest.mark.django_db

# Issued on 17 November 2026 at 22:32 in Oslo; payment terms of 14 days make it due on 1 December.
ISSUED_AT = datetime(2026, 11, 17, 22, 32, tzinfo=ZoneInfo("Europe/Oslo"))

STAFF_STYLE = {
    "en": ("02/11/2026", "17/11/2026 22:32", "01/12/2026"),
    "fr": ("02/11/2026", "17/11/2026 22:32", "01/12/2026"),
    "pt": ("02/11/2026", "17/11/2026 22:32", "01/12/2026"),
    "nb": ("02.11.2026", "17.11.2026 22:32", "01.12.2026"),
    "ru": ("02.11.2026", "17.11.2026 22:32", "01.12.2026"),
}
# What the other locales' styles would look like on the page: none of them may appear.
FOREIGN_STAFF_STYLES = ("11/02/2026", "11/17/2026", "p.m.", "Nov 2", "Nov. 17", "November 2, 2026")

PORTAL_DUE_DATE = {
    "en": "1 December 2026",
    "fr": "1er décembre 2026",
    "pt": "1 de dezembro de 2026",
    "nb": "1. desember 2026",
    "ru": "1 декабря 2026",
}


@pytest.fixture
def invoice(patient):
    with time_machine.travel(ISSUED_AT, tick=False):
        return issued_invoice(patient, issued=date(2026, 11, 17), lines=CONSULTATION)


@pytest.mark.parametrize("language", list(STAFF_STYLE))
def test_it_writes_a_staff_invoice_page_in_the_locales_numeric_date_style(language, invoice, billing, client_for):
    client = client_for(billing)

    with time_machine.travel(ISSUED_AT, tick=False):
        response = client.get(reverse("frontdesk:invoice-detail", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    service_date, issued_at, due_date = STAFF_STYLE[language]
    assert response.status_code == 200
    assert service_date in page
    assert issued_at in page
    assert due_date in page
    assert not [style for style in FOREIGN_STAFF_STYLES if style in page]


@pytest.mark.parametrize("language", list(PORTAL_DUE_DATE))
def test_it_writes_a_portal_bill_date_in_words_of_the_patients_language(language, invoice, patient, client_for):
    Patient.objects.filter(pk=patient.pk).update(language=language)
    client = client_for(patient.user)

    with time_machine.travel(ISSUED_AT, tick=False):
        response = client.get(
            reverse("portal:portal-bill", kwargs={"patient_id": patient.pk, "invoice_id": invoice.pk})
        )

    page = response.content.decode()
    assert response.status_code == 200
    assert PORTAL_DUE_DATE[language] in page
    assert "г.." not in page
