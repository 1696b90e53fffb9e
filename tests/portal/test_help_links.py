"""A bill line links to the help article that explains it (portal.help_links), and the four common
misunderstandings each have an article in every portal language."""

from dataclasses import dataclass
from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from catalogue.default_catalogue import SERVICES
from invoices.models import Coverage
from patients.models import Patient
from portal import help_links
from portal.help_links import line_help_slug
from portal.models import HelpArticle
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(date(2026, 11, 10), tick=False):
        yield


@dataclass(frozen=True)
class Line:
    code: str


@pytest.mark.parametrize("jurisdiction", ["NO", "US", "FR"])
def test_it_links_every_jurisdictions_records_copy_to_the_records_article(jurisdiction):
    [records] = [service for service in SERVICES[jurisdiction] if service.kind == "records_copy"]

    assert records.help_article_slug == help_links.RECORDS_COPY  # what a catalogue line keeps
    assert line_help_slug(Line(records.code)) == help_links.RECORDS_COPY  # a line written before the catalogue


@pytest.mark.parametrize(
    ("code", "slug"),
    [
        ("KOPI", help_links.RECORDS_COPY),
        ("RECORDS", help_links.RECORDS_COPY),
        ("701a", help_links.LAB_CHARGE_SEPARATELY),
        ("LAB-BLOOD", help_links.LAB_CHARGE_SEPARATELY),
        ("MAT", help_links.EXEMPTION_CARD),
        ("MAT-DRESS", help_links.EXEMPTION_CARD),
        ("2ad", None),
        ("GP-CONS", None),
        ("IKKEMOTT", None),
    ],
)
def test_it_maps_a_line_by_its_kind_of_service(code, slug):
    assert line_help_slug(Line(code)) == slug


@pytest.mark.parametrize(
    "slug",
    [
        help_links.EXEMPTION_CARD,
        help_links.RECORDS_COPY,
        help_links.TERMINAL_SHOWED_ZERO,
        help_links.LAB_CHARGE_SEPARATELY,
    ],
)
def test_each_misunderstanding_has_an_article_in_every_language(slug):
    languages = set(HelpArticle.objects.filter(slug=slug, is_published=True).values_list("language", flat=True))

    assert languages == {"en", "fr", "pt", "nb", "ru"}


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "I paid at the terminal, but it showed zero. Why did I get a bill?"),
        ("nb", "Jeg betalte i terminalen, men den viste null. Hvorfor fikk jeg regning?"),
        ("pt", "Paguei no terminal, mas mostrava zero. Porque recebi uma fatura?"),
    ],
)
def test_the_terminal_article_opens_in_the_readers_language(language, title):
    client = Client()
    client.cookies["django_language"] = language

    page = client.get(reverse("portal:portal-help-article", kwargs={"slug": help_links.TERMINAL_SHOWED_ZERO}))

    assert page.status_code == 200
    assert title in page.content.decode()


@pytest.fixture
def english_patient(patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language="en")
    patient.refresh_from_db()
    return patient


def bill_page(client: Client, invoice) -> str:
    url = reverse("portal:portal-bill", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk})
    return client.get(url).content.decode()


def test_the_bill_page_links_a_line_to_the_article_that_explains_it(english_patient, client_for):
    invoice = issued_invoice(
        english_patient,
        lines=[
            ("2ad", "Consultation", "1", "183.00", Coverage.PATIENT),
            ("701a", "Blood test", "1", "62.00", Coverage.PATIENT),
            ("KOPI", "Copy of medical records", "1", "95.00", Coverage.PATIENT),
        ],
    )

    page = bill_page(client_for(english_patient.user), invoice)
    lines = page.split('id="bill-lines-title"', 1)[1].split("</ul>", 1)[0].split('<li class="bill-line">')[1:]

    assert len(lines) == 3
    assert "bill-line-help" not in lines[0]
    assert reverse("portal:portal-help-article", kwargs={"slug": help_links.LAB_CHARGE_SEPARATELY}) in lines[1]
    assert reverse("portal:portal-help-article", kwargs={"slug": help_links.RECORDS_COPY}) in lines[2]
    assert "What is this charge?" in lines[2]


def test_a_line_links_to_no_article_that_is_unpublished(english_patient, client_for):
    HelpArticle.objects.filter(slug=help_links.RECORDS_COPY).update(is_published=False)
    invoice = issued_invoice(english_patient, lines=[("KOPI", "Copy of medical records", "1", "95.00", "patient")])

    page = bill_page(client_for(english_patient.user), invoice)

    assert reverse("portal:portal-help-article", kwargs={"slug": help_links.RECORDS_COPY}) not in page
