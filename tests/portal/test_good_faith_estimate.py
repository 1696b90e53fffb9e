"""The US good-faith estimate: every element 45 CFR 149.610(c)(1) requires in the PDF, kept 6 years, found by staff."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from invoices.models import ImmutableRecordError
from portal.models import GoodFaithEstimate
from tests.factories import KEPT_ESTIMATE_PDF, catalogue_service, kept_estimate, pdf_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))
LAB_NPI = "1245319599"  # a valid NPI (Luhn with the 80840 prefix)

FORM = {
    "services": ["99212", "36415"],
    "quantity-99212": "1",
    "quantity-36415": "2",
    "primary": "99212",
    "name": "Jane Doe",
    "date_of_birth": "1980-05-17",
    "service_date": "2026-12-15",
    "diagnosis_codes": "e11.9, I10",
    "separately_scheduled": "Follow-up visit in 3 months",
    "co-0-provider_name": "Fjord Lab LLC",
    "co-0-npi": LAB_NPI,
    "co-0-tin": "98-7654321",
    "co-0-location": "12 Main Street, Springfield, IL",
    "co-0-service": "Comprehensive metabolic panel",
    "co-0-code": "80053",
    "co-0-charge": "60.00",
}


@pytest.fixture(autouse=True)
def _us_profile_on_a_pinned_day(settings):
    settings.BILLING_JURISDICTION = "US"
    # The catalogue was seeded for the test database's profile (NO): two US services with their CPT codes.
    catalogue_service(
        "99212",
        "GP consultation",
        "60.00",
        coding_system="cpt",
        kind="consultation",
        explanation="A standard appointment with a doctor, about 15 minutes.",
    )
    catalogue_service(
        "36415",
        "Blood test",
        "45.00",
        coding_system="cpt",
        kind="lab",
        explanation="Taking the sample and the standard laboratory analysis.",
    )
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def issued(client) -> tuple[GoodFaithEstimate, str]:
    response = client.post(reverse("portal:portal-estimate-pdf"), FORM)
    assert response.status_code == 200, response.content[:500]
    return GoodFaithEstimate.objects.get(), " ".join(pdf_text(response.content).split())


# One element of 45 CFR 149.610(c)(1) a line: (what, the words that show it in the PDF).
REQUIRED = [
    ("patient name", "Jane Doe"),
    ("date of birth", "May 17, 1980"),
    ("primary service in plain words", "GP consultation: A standard appointment with a doctor"),
    ("its scheduled date", "December 15, 2026"),
    ("itemised: the clinic's items", "Blood test"),
    ("grouped by provider: the convening provider", "Items and services from the convening provider"),
    ("grouped by provider: the co-provider", "Items and services from another provider or facility: Fjord Lab LLC"),
    ("the co-provider's item", "Comprehensive metabolic panel"),
    ("expected charges per item", "$90.00"),
    ("the co-provider's expected charge", "$60.00"),
    ("the total", "$210.00"),
    ("diagnosis codes", "E11.9, I10"),
    ("CPT code with its coding system", "99212 (CPT)"),
    ("the co-provider's code with its system", "80053 (CPT)"),
    ("the clinic's NPI", "National Provider Identifier (NPI): 1234567893"),
    ("the clinic's TIN", "Taxpayer Identification Number (TIN): 12-3456789"),
    ("the co-provider's NPI", LAB_NPI),
    ("the co-provider's TIN", "98-7654321"),
    ("the clinic's location", "Where the care is given: Storgata 1, 0155 Oslo"),
    ("the co-provider's location", "12 Main Street, Springfield, IL"),
    ("care to be scheduled separately", "Follow-up visit in 3 months"),
    ("separate estimates for that care", "You will get a separate Good Faith Estimate for these items or services"),
    ("other care may be recommended", "must be scheduled or requested separately. They are not included"),
    ("only an estimate", "It is only an estimate: the actual items, services or charges may differ"),
    ("the right to dispute", "you have the right to start the patient-provider dispute resolution process"),
    ("the $400 threshold", "$400.00 or more above this Good Faith Estimate"),
    ("where to find how to dispute", "visit www.cms.gov/nosurprises or call 1-800-985-3059"),
    ("disputing does not affect care", "Starting the dispute process will not affect the quality of the care"),
    ("no adverse action", "we may not take any action against you for disputing a bill"),
    ("not a contract", "is not a contract and does not require you to obtain the items or services"),
]


@pytest.mark.parametrize(("element", "words"), REQUIRED, ids=[element for element, _words in REQUIRED])
def test_it_prints_each_required_element(issued, element, words):
    _estimate, text = issued
    assert words in text, element


def test_it_keeps_the_pdf_out_of_every_cache(client):
    response = client.post(reverse("portal:portal-estimate-pdf"), FORM)

    assert response["Cache-Control"] == "no-store"


def test_it_counts_the_120_days_from_receiving_the_bill(issued):
    _estimate, text = issued
    assert "within 120 calendar days (about 4 months) of receiving the initial bill" in text
    assert "date on the bill" not in text


def test_it_never_offers_the_missed_appointment_fee(client):
    page = client.get(reverse("portal:portal-prices")).content.decode()
    response = client.post(reverse("portal:portal-estimate-pdf"), {**FORM, "services": ["IM"], "primary": ""})

    assert 'value="IM"' not in page.split('id="estimate-title"')[1]
    assert response.status_code == 400
    assert "Choose services from the price list." in response.content.decode()
    assert not GoodFaithEstimate.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter your name"),
        ({"date_of_birth": ""}, "Enter your date of birth."),
        ({"diagnosis_codes": "diabetes"}, "is not an ICD-10 code"),
        ({"co-0-npi": "1234567890"}, "Enter the provider&#x27;s 10-digit NPI."),
        ({"co-0-charge": ""}, "Fill in every box of this provider"),
        # A decimal comma is refused, never read as thousands (125,00 would be $12,500.00).
        ({"co-0-charge": "125,00"}, "Enter an amount in dollars, for example 125.00."),
        ({"primary": "11ad"}, "Tick the main service in the list of services too."),
    ],
)
def test_it_answers_missing_or_wrong_details_with_form_errors(client, data, message):
    response = client.post(reverse("portal:portal-estimate-pdf"), {**FORM, **data})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert message in page
    assert not GoodFaithEstimate.objects.exists()


def test_it_keeps_the_estimate_as_issued_for_six_years(issued):
    estimate, _text = issued

    assert estimate.retain_until == date(2032, 12, 7)
    assert estimate.patient is None
    assert estimate.patient_name == "Jane Doe"
    assert estimate.date_of_birth == date(1980, 5, 17)
    assert estimate.service_date == date(2026, 12, 15)
    assert estimate.diagnosis_codes == ["E11.9", "I10"]
    assert [provider["npi"] for provider in estimate.providers] == ["1234567893", LAB_NPI]
    assert estimate.providers[0]["lines"][1] == {
        "code": "36415",
        "code_system": "CPT",
        "name": "Blood test",
        "description": "Taking the sample and the standard laboratory analysis.",
        "quantity": 2,
        "unit_price": "45.00",
        "amount": "90.00",
    }
    assert str(estimate.total) == "210.00"
    assert bytes(estimate.pdf).startswith(b"%PDF")


def test_it_says_the_clinic_keeps_a_copy(client):
    page = client.get(reverse("portal:portal-prices")).content.decode()

    assert "We keep a copy for 6 years, as the law requires" in page
    assert "we do not keep what you typed" not in page


def test_it_refuses_to_delete_or_change_an_estimate_before_six_years(issued):
    estimate, _text = issued

    with pytest.raises(ImmutableRecordError):
        estimate.delete()
    with pytest.raises(ImmutableRecordError):
        GoodFaithEstimate.objects.filter(pk=estimate.pk).delete()
    with pytest.raises(ImmutableRecordError):
        GoodFaithEstimate.objects.filter(pk=estimate.pk).update(patient_name="Someone else")
    assert GoodFaithEstimate.objects.filter(pk=estimate.pk, patient_name="Jane Doe").exists()


def test_it_lets_an_estimate_go_once_six_years_have_passed(issued):
    estimate, _text = issued

    with time_machine.travel(datetime(2032, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        GoodFaithEstimate.objects.filter(pk=estimate.pk).delete()

    assert not GoodFaithEstimate.objects.exists()


def test_it_links_the_estimate_to_the_signed_in_patient(patient, client_for):
    client = client_for(patient.user)

    page = client.get(reverse("portal:portal-prices")).content.decode()
    response = client.post(reverse("portal:portal-estimate-pdf"), FORM)

    assert f'value="{patient.name}"' in page  # the form starts with what the portal knows
    assert response.status_code == 200
    assert GoodFaithEstimate.objects.get().patient == patient


def test_it_lets_billing_find_and_download_a_kept_estimate(billing, client_for, patient):
    estimate = kept_estimate(patient)
    kept_estimate(number="GFE-20261207-0000BEEF")
    client = client_for(billing)

    listing = client.get(reverse("portal:estimate-list"), {"q": "Kari"})
    download = client.get(reverse("portal:estimate-pdf", args=[estimate.pk]))

    assert listing.status_code == 200
    assert estimate.number in listing.content.decode()
    assert "GFE-20261207-0000BEEF" not in listing.content.decode()
    assert download.status_code == 200
    assert download.content == KEPT_ESTIMATE_PDF
    assert estimate.number in download["Content-Disposition"]


def test_it_audits_each_read_of_a_kept_estimate(manager, client_for, patient):
    estimate = kept_estimate(patient)
    client = client_for(manager)

    client.get(reverse("portal:estimate-list"))
    client.get(reverse("portal:estimate-pdf", args=[estimate.pk]))

    reads = LogEntry.objects.get_for_object(estimate).filter(action=LogEntry.Action.ACCESS, actor=manager)
    assert reads.count() == 2
    assert LogEntry.objects.get_for_object(patient).filter(action=LogEntry.Action.ACCESS, actor=manager).exists()


@pytest.mark.parametrize("persona", ["front_desk", "provider"])
def test_it_refuses_kept_estimates_to_other_roles(persona, client_for, request):
    estimate = kept_estimate()
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("portal:estimate-list")).status_code == 403
    assert client.get(reverse("portal:estimate-pdf", args=[estimate.pk])).status_code == 403
