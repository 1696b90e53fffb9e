"""The desk's pages: registering a patient (duplicates first), the caller check that guards the account, billing
in the browser (preview, issue, quick invoices), notes, promises and proxies, each with its permissions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.models import Service
from catalogue.services import service_price_set
from invoices.models import Invoice
from invoices.templatetags.money import money
from patient_collections.models import PaymentPromise
from patients.models import AuthorisedProxy, CallerCheck, Patient, PatientNote
from tests.factories import PatientFactory, ProxyFactory, at, caller_identified, issued_invoice

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
NEW_PATIENT = {
    "name": "Kari Nordmann",
    "date_of_birth": "1980-05-17",
    "language": "nb",
    "preferred_channel": "sms",
    "phone": "+47 400 00 001",
    "coverage_kind": "exemption_card",
    "payer_name": "Helfo",
}


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(at(TODAY), tick=False):
        yield


@pytest.fixture
def desk(front_desk, client_for):
    return client_for(front_desk)


def account(client, patient) -> str:
    return client.get(reverse("frontdesk:patient-detail", args=[patient.pk])).content.decode()


# --- Registering ---


def test_the_desk_registers_a_patient_with_their_coverage(desk):
    response = desk.post(reverse("frontdesk:patient-new"), NEW_PATIENT)
    patient = Patient.objects.get()
    assert response["Location"] == reverse("frontdesk:patient-detail", args=[patient.pk])
    assert patient.coverages.get().payer_name == "Helfo"


def test_it_shows_the_likely_duplicate_and_registers_only_when_confirmed(desk):
    existing = PatientFactory(name="Kari Nordmann", date_of_birth=date(1980, 5, 17))

    first = desk.post(reverse("frontdesk:patient-new"), NEW_PATIENT)
    assert first.status_code == 200
    assert reverse("frontdesk:patient-detail", args=[existing.pk]) in first.content.decode()
    assert Patient.objects.count() == 1

    desk.post(reverse("frontdesk:patient-new"), {**NEW_PATIENT, "confirm_new": "on"})
    assert Patient.objects.count() == 2


def test_a_provider_cannot_register_a_patient(provider, client_for):
    assert client_for(provider).post(reverse("frontdesk:patient-new"), NEW_PATIENT).status_code == 403


def test_the_search_page_links_to_a_new_patient(desk):
    page = desk.get(reverse("frontdesk:patient-search")).content.decode()
    assert reverse("frontdesk:patient-new") in page


# --- The caller check ---


def test_the_balance_is_hidden_until_the_caller_is_identified(desk, patient):
    issued_invoice(patient)  # the patient owes 71.00
    hidden = account(desk, patient)
    caller_identified(desk, patient, caller="patient", contact="phone")
    shown = account(desk, patient)

    assert money(Decimal("71.00")) not in hidden and 'id="account-balance-hidden"' in hidden
    assert 'id="account-balance"' in shown and money(Decimal("71.00")) in shown


def test_someone_else_is_told_nothing_and_the_call_is_on_the_timeline(desk, patient, front_desk):
    issued_invoice(patient)
    caller_identified(desk, patient, caller="someone_else", contact="phone", caller_name="Per Naboen")
    page = account(desk, patient)
    assert 'id="someone-else-stop"' in page and money(Decimal("71.00")) not in page
    assert CallerCheck.objects.get().allowed is False

    caller_identified(desk, patient)  # later, back-office work: the refused call is on the timeline
    assert "Per Naboen" in account(desk, patient)[account(desk, patient).index('id="timeline"') :]


def test_an_authorised_proxy_opens_the_account_and_is_logged(desk, patient):
    proxy = ProxyFactory(patient=patient, name="Ola Proxy")
    caller_identified(desk, patient, caller="proxy", contact="phone", proxy=proxy.pk)
    page = account(desk, patient)
    assert "Caller identified as Ola Proxy" in page
    assert "Phone contact by Ola Proxy" in page


def test_the_identification_lapses_after_ten_minutes(desk, patient):
    caller_identified(desk, patient)
    with time_machine.travel(at(TODAY) + timedelta(minutes=11), tick=False):
        assert 'id="account-balance-hidden"' in account(desk, patient)


# --- Billing ---

LINES = {
    "lines-TOTAL_FORMS": "2",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "1",
    "lines-MAX_NUM_FORMS": "30",
    "service_date": "2026-11-20",
    "lines-0-code": "GP1",
    "lines-0-description": "Walk-in consultation",
    "lines-0-quantity": "1",
    "lines-0-unit_price": "400.00",
    "lines-0-coverage": "patient",
    "lines-1-code": "BANDAGE",
    "lines-1-description": "Dressing",
    "lines-1-quantity": "2",
    "lines-1-unit_price": "35.50",
    "lines-1-coverage": "patient",
}


def test_a_preview_shows_the_totals_and_saves_nothing(desk, patient):
    response = desk.post(reverse("frontdesk:patient-invoice-new", args=[patient.pk]), {**LINES, "action": "preview"})
    assert response.context["preview"].total == Decimal("471.00")
    assert 'id="issue-invoice"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_desk_issues_the_invoice_through_the_invoice_services(desk, patient, front_desk):
    response = desk.post(reverse("frontdesk:patient-invoice-new", args=[patient.pk]), {**LINES, "action": "issue"})
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("frontdesk:invoice-detail", args=[invoice.pk])
    assert (invoice.status, invoice.total, invoice.created_by) == (Invoice.Status.ISSUED, Decimal("471.00"), front_desk)
    assert invoice.number and invoice.payment_reference


def test_a_half_filled_line_is_refused_with_the_services_words(desk, patient):
    response = desk.post(
        reverse("frontdesk:patient-invoice-new", args=[patient.pk]),
        {**LINES, "lines-1-description": "", "action": "issue"},
    )
    assert "Each line needs a service code and a description." in response.content.decode()
    assert not Invoice.objects.exists()


CATALOGUE_LINE = {
    "lines-TOTAL_FORMS": "1",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "1",
    "lines-MAX_NUM_FORMS": "30",
    "service_date": "2026-11-20",
    "lines-0-service": "2ad",
    "lines-0-quantity": "1",
}


def test_the_invoice_form_offers_the_catalogues_services_with_todays_price(desk, patient):
    page = desk.get(reverse("frontdesk:patient-invoice-new", args=[patient.pk])).content.decode()
    assert f'<option value="2ad">2ad · GP consultation · {money(Decimal("183.00"))}</option>' in page
    assert 'value="VAKS"' not in page  # not offered at the moment


def test_a_catalogue_line_takes_its_name_price_and_payer_from_the_catalogue(desk, patient):
    response = desk.post(
        reverse("frontdesk:patient-invoice-new", args=[patient.pk]), {**CATALOGUE_LINE, "action": "issue"}
    )
    assert response.status_code == 302
    line = Invoice.objects.get().lines.get()
    assert (line.code, line.unit_price, line.coverage, line.service_kind) == (
        "2ad",
        Decimal("183.00"),
        "patient",
        "consultation",
    )
    assert line.description == "Legetime"  # the clinic's language (nb)
    assert line.words_for("fr").name == "Consultation de médecine générale"


def test_a_typed_price_and_payer_win_over_the_catalogues(desk, patient):
    data = {**CATALOGUE_LINE, "lines-0-unit_price": "150.00", "lines-0-coverage": "exemption_card"}
    response = desk.post(reverse("frontdesk:patient-invoice-new", args=[patient.pk]), {**data, "action": "preview"})
    line = response.context["preview"].lines[0]
    assert (line.unit_price, line.coverage, line.name) == (Decimal("150.00"), "exemption_card", "GP consultation")


def test_a_catalogue_service_is_priced_on_the_service_date(desk, patient):
    service_price_set(
        service_id=Service.objects.get(code="2ad").pk, amount=Decimal("199.00"), valid_from=date(2026, 11, 25), by=None
    )
    before = desk.post(
        reverse("frontdesk:patient-invoice-new", args=[patient.pk]), {**CATALOGUE_LINE, "action": "preview"}
    )
    after = desk.post(
        reverse("frontdesk:patient-invoice-new", args=[patient.pk]),
        {**CATALOGUE_LINE, "service_date": "2026-11-26", "action": "preview"},
    )
    assert before.context["preview"].total == Decimal("183.00")
    assert after.context["preview"].total == Decimal("199.00")


def test_a_quick_invoice_is_issued_in_one_post(desk, patient):
    desk.post(reverse("frontdesk:patient-quick-invoice", args=[patient.pk, "no_show"]))
    invoice = Invoice.objects.get()
    line = invoice.lines.get()
    assert (invoice.status, line.code, line.unit_price) == (Invoice.Status.ISSUED, "IM", Decimal("383.00"))


def test_an_unknown_quick_service_is_not_found(desk, patient):
    assert desk.post(reverse("frontdesk:patient-quick-invoice", args=[patient.pk, "massage"])).status_code == 404


def test_a_provider_cannot_bill(provider, client_for, patient):
    client = client_for(provider)
    assert client.post(reverse("frontdesk:patient-quick-invoice", args=[patient.pk, "no_show"])).status_code == 403
    assert not Invoice.objects.exists()


# --- Notes, promises, proxies ---


def test_a_note_is_saved_and_shown_on_the_timeline(desk, patient, front_desk):
    desk.post(reverse("frontdesk:patient-note-add", args=[patient.pk]), {"text": "Called, promised to pay Friday"})
    caller_identified(desk, patient)
    assert PatientNote.objects.get().written_by == front_desk
    assert "Called, promised to pay Friday" in account(desk, patient)


def test_a_promise_is_recorded_and_shown_while_it_holds(desk, patient):
    invoice = issued_invoice(patient)
    desk.post(
        reverse("frontdesk:patient-promise-new", args=[patient.pk]),
        {"until": "2026-11-27", "amount": "71.00", "invoice": str(invoice.pk)},
    )
    caller_identified(desk, patient)
    assert PaymentPromise.objects.get().invoice == invoice
    assert 'id="promise-running"' in account(desk, patient)


def test_a_proxy_is_registered_with_an_upload_that_only_staff_can_open(desk, patient, client_for):
    upload = SimpleUploadedFile("fullmakt.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    desk.post(
        reverse("frontdesk:patient-proxy-new", args=[patient.pk]),
        {
            "name": "Ola Nordmann",
            "relationship": "son",
            "scope": "billing",
            "valid_from": "2026-11-20",
            "document": upload,
        },
    )
    proxy = AuthorisedProxy.objects.get()
    url = reverse("frontdesk:patient-proxy-document", args=[patient.pk, proxy.pk])

    document = desk.get(url)
    assert (document.status_code, document["Content-Type"], document.content) == (
        200,
        "application/pdf",
        b"%PDF-1.4 signed",
    )
    assert client_for(patient.user).get(url).status_code in (302, 403)


def test_the_desk_revokes_a_proxy(desk, patient, front_desk):
    proxy = ProxyFactory(patient=patient)
    desk.post(reverse("frontdesk:patient-proxy-revoke", args=[patient.pk, proxy.pk]))
    proxy.refresh_from_db()
    assert proxy.revoked_by == front_desk and proxy.revoked_at is not None


def test_the_complaint_intake_keeps_the_balance_out_of_its_header(desk, patient):
    issued_invoice(patient)
    page = desk.get(f"{reverse('disputes:complaint-new')}?patient={patient.pk}").content.decode()
    assert 'id="account-balance-hidden"' in page and 'id="account-balance"' not in page
