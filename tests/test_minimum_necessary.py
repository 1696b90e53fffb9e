"""Minimum necessary: collections work shows no clinical detail beyond the service description.

The world (tests/permission_matrix.py) holds, for each patient, a clinical complaint in the patient's own words
on the very invoice that is overdue, reminded and proposed for collection, a closed complaint with the
provider's resolution and prevention notes, and a callback request about test results. Every one of those
texts carries a sentinel; no collections screen, export, letter or API answer may contain one, while each of
them does show the account it is about (so an empty page cannot pass).
"""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from patient_collections.models import CollectionCase, FollowUpCall
from patients.models import Patient
from tests import permission_matrix as matrix
from tests.permission_matrix import BILLING, CLINICAL_SENTINELS, MANAGER, OWN, SERVICE_DESCRIPTION

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-"
assert all(text.startswith(SENTINEL) for text in CLINICAL_SENTINELS.values())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from matrix.world_in_a_transaction(django_db_blocker)


@pytest.fixture
def laid_out(monkeypatch) -> list[str]:
    """The HTML each PDF is laid out from (what the PDF says), without the second of layout per document."""
    documents: list[str] = []

    class Document:
        pages: list[object] = [object()]

        class metadata:
            title = ""

        def copy(self, pages: list[object]) -> "Document":
            return self

        def write_pdf(self) -> bytes:
            return b"%PDF-1.7"

    class Recorder:
        def __init__(self, html: str) -> None:
            documents.append(html)

        def render(self) -> Document:
            return Document()

        def write_pdf(self) -> bytes:
            return b"%PDF-1.7"

    for module in ("invoices.pdf", "disputes.letters", "patient_collections.letters"):
        monkeypatch.setattr(f"{module}.pdf_document", Recorder)
    return documents


@pytest.fixture
def side(world) -> matrix.Side:
    """Kari's side, with her complaint's follow-up call due now and her case sent to the agency."""
    side = world.sides[OWN]
    FollowUpCall.objects.filter(patient=side.patient).update(due_at=timezone.now() - timedelta(hours=1))
    return side


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def assert_no_clinical_detail(text: str) -> None:
    leaked = [name for name, words in CLINICAL_SENTINELS.items() if words in text or SENTINEL in text]
    assert SENTINEL not in text, f"clinical detail shown: {leaked}"


def test_the_sentinels_are_in_the_world_where_clinical_staff_see_them(world, client_for):
    """The positive control: the provider's complaint page shows the patient's words, so the check can see them."""
    side = world.sides[OWN]
    page = text_of(client_for(world.users[MANAGER]).get(reverse("disputes:complaint-detail", args=[side.complaint.pk])))
    assert CLINICAL_SENTINELS["complaint_description"] in page


def collections_pages(side: matrix.Side) -> list[str]:
    day = timezone.localtime(side.reminder.sent_at).date().isoformat()
    return [
        reverse("collections:call-list"),
        reverse("collections:case-list"),
        reverse("collections:case-detail", args=[side.case.pk]),
        reverse("collections:print-batch") + "?" + urlencode({"day": day}),
        reverse("collections:aging-report"),
        reverse("api-collection-case-list"),
        reverse("api-reminder-list") + "?" + urlencode({"invoice": side.invoice.pk}),
        reverse("api-follow-up-call-list") + "?" + urlencode({"patient": side.patient.pk}),
        reverse("api-payment-plan-list") + "?" + urlencode({"invoice": side.plan_invoice.pk}),
    ]


@pytest.mark.parametrize("index", range(9), ids=lambda i: f"page{i}")
@pytest.mark.parametrize("role", [BILLING, MANAGER])
def test_collections_pages_show_the_account_but_no_clinical_detail(world, side, client_for, role, index):
    url = collections_pages(side)[index]
    text = text_of(client_for(world.users[role]).get(url))
    shows_the_account = [
        side.patient.name,
        side.invoice.number,
        f'"invoice": {side.invoice.pk}',
        f'"invoice": {side.plan_invoice.pk}',
        f'"patient": {side.patient.pk}',
    ]
    assert any(marker in text for marker in shows_the_account), url
    assert_no_clinical_detail(text)


@pytest.mark.parametrize("status", ["", CollectionCase.Status.PROPOSED])
def test_the_agency_export_names_the_service_but_no_clinical_detail(world, side, client_for, status):
    url = reverse("collections:case-agency-export") + "?" + urlencode({"status": status})
    text = text_of(client_for(world.users[BILLING]).get(url))
    assert side.invoice.number in text
    assert_no_clinical_detail(text)


def test_the_aging_csv_shows_no_clinical_detail(world, side, client_for):
    text = text_of(client_for(world.users[BILLING]).get(reverse("collections:aging-report-csv")))
    assert side.patient.name in text
    assert_no_clinical_detail(text)


@pytest.mark.parametrize("name", ["collections:case-summary", "collections:case-conciliation-notice"])
def test_the_case_file_pdfs_name_the_service_but_no_clinical_detail(world, side, client_for, laid_out, name):
    response = client_for(world.users[BILLING]).get(reverse(name, args=[side.case.pk]))
    assert response.status_code == 200
    (html,) = laid_out
    assert side.invoice.number in html
    if name == "collections:case-summary":
        assert SERVICE_DESCRIPTION in html  # the service description is what collections may know
    assert_no_clinical_detail(html)


def test_the_reminder_letters_name_the_service_but_no_clinical_detail(world, side, client_for, laid_out):
    client = client_for(world.users[BILLING])
    day = timezone.localtime(side.reminder.sent_at).date().isoformat()

    assert client.get(reverse("collections:reminder-letter", args=[side.reminder.pk])).status_code == 200
    assert client.get(reverse("collections:print-batch-pdf") + "?" + urlencode({"day": day})).status_code == 200

    assert len(laid_out) == 3  # her letter, then the day's batch: her letter and Ivan's
    assert side.invoice.number in laid_out[0]
    assert any(side.invoice.number in html for html in laid_out[1:])
    for html in laid_out:
        assert SERVICE_DESCRIPTION in html
        assert_no_clinical_detail(html)


def test_clinical_words_on_a_collections_page_would_be_caught(world, side, client_for):
    """The check itself: were the complaint's words copied into something the page shows, it would fail."""
    Patient.objects.filter(pk=side.patient.pk).update(name=f"Kari {CLINICAL_SENTINELS['complaint_description']}")
    text = text_of(client_for(world.users[BILLING]).get(reverse("collections:case-detail", args=[side.case.pk])))
    with pytest.raises(AssertionError, match="clinical detail shown"):
        assert_no_clinical_detail(text)
