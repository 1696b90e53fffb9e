"""What the desk records on a patient: registration with coverage (after the likely duplicates), notes, who
called (the caller check that logs every third-party contact), and proxies with their signed document."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from clinic_billing.exceptions import ApplicationError
from patients import selectors, services
from patients.models import CallerCheck, Coverage, Patient, PatientNote
from patients.proxies import authorised_proxy_create, authorised_proxy_revoke
from tests.factories import PatientFactory, ProxyFactory, at

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
PDF = b"%PDF-1.4 signed"


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(at(TODAY), tick=False):
        yield


def contact(**fields) -> services.ContactDetails:
    return services.ContactDetails(**{"phone": "+47 400 00 001", "preferred_channel": "sms", **fields})


# --- Registering ---


@pytest.mark.parametrize("name", ["Kari Nordmann", "kari nordmann", "Nordmann, Kari", "Kari Olsen Nordmann"])
def test_it_finds_the_likely_duplicate_born_the_same_day(name):
    kari = PatientFactory(name="Kari Nordmann", date_of_birth=date(1980, 5, 17))
    PatientFactory(name="Kari Nordmann", date_of_birth=date(1981, 5, 17))
    assert selectors.patient_likely_duplicates(name=name, date_of_birth=date(1980, 5, 17)) == [kari]


def test_it_finds_no_duplicate_for_another_name_born_the_same_day():
    PatientFactory(name="Kari Nordmann", date_of_birth=date(1980, 5, 17))
    assert selectors.patient_likely_duplicates(name="Ivan Petrov", date_of_birth=date(1980, 5, 17)) == []


def test_it_registers_a_patient_with_the_coverage_shown_at_the_desk(front_desk):
    patient = services.patient_register(
        name="Ola Nordmann",
        date_of_birth=date(1990, 1, 2),
        contact=contact(),
        coverage=services.CoverageDetails(kind="exemption_card", payer_name="Helfo", valid_from=TODAY),
        by=front_desk,
    )
    assert [(c.kind, c.payer_name) for c in patient.coverages.all()] == [("exemption_card", "Helfo")]


def test_a_refused_coverage_leaves_no_patient_behind(front_desk):
    with pytest.raises(ApplicationError):
        services.patient_register(
            name="Ola Nordmann",
            date_of_birth=date(1990, 1, 2),
            contact=contact(),
            coverage=services.CoverageDetails(kind="insurer", payer_name=" ", valid_from=TODAY),
            by=front_desk,
        )
    assert not Patient.objects.exists() and not Coverage.objects.exists()


# --- Notes ---


def test_it_saves_a_note_with_its_writer_and_time(patient, front_desk):
    note = services.patient_note_add(patient_id=patient.pk, text="  Called, promised to pay Friday. ", by=front_desk)
    assert (note.text, note.written_by, note.written_at) == ("Called, promised to pay Friday.", front_desk, at(TODAY))


def test_it_refuses_an_empty_note(patient, front_desk):
    with pytest.raises(ApplicationError):
        services.patient_note_add(patient_id=patient.pk, text="   ", by=front_desk)
    assert not PatientNote.objects.exists()


# --- Who called ---


def check(patient, by, **fields) -> CallerCheck:
    return services.caller_check_record(patient_id=patient.pk, contact="phone", by=by, **fields)


def test_the_patient_may_hear_about_their_account(patient, front_desk):
    assert check(patient, front_desk, caller="patient").allowed


def test_a_proxy_authorised_today_may_hear_and_the_contact_is_logged(patient, front_desk):
    proxy = ProxyFactory(patient=patient, name="Ola Proxy")
    logged = check(patient, front_desk, caller="proxy", proxy_id=proxy.pk)
    assert (logged.allowed, logged.caller_name) == (True, "Ola Proxy")
    assert list(selectors.third_party_contacts(patient_id=patient.pk)) == [logged]


@pytest.mark.parametrize("ended", ["expired", "revoked", "not yet"])
def test_a_proxy_not_authorised_today_is_refused_and_logged(patient, front_desk, ended):
    proxy = ProxyFactory(
        patient=patient,
        valid_to=TODAY - timedelta(days=1) if ended == "expired" else None,
        valid_from=TODAY + timedelta(days=1) if ended == "not yet" else date(2020, 1, 1),
    )
    if ended == "revoked":
        authorised_proxy_revoke(patient_id=patient.pk, proxy_id=proxy.pk, by=front_desk)
    logged = check(patient, front_desk, caller="proxy", proxy_id=proxy.pk)
    assert not logged.allowed
    assert list(selectors.third_party_contacts(patient_id=patient.pk)) == [logged]


def test_someone_else_hears_nothing_and_is_logged_by_the_name_they_gave(patient, front_desk):
    logged = check(patient, front_desk, caller="someone_else", caller_name="Per Naboen", note="Asked what Kari owes")
    assert (logged.allowed, logged.caller_name, logged.is_third_party) == (False, "Per Naboen", True)


def test_it_asks_for_the_name_someone_else_gave(patient, front_desk):
    with pytest.raises(ApplicationError) as refused:
        check(patient, front_desk, caller="someone_else")
    assert refused.value.field == "caller_name"


def test_a_proxy_of_another_patient_is_no_proxy_here(patient, other_patient, front_desk):
    elsewhere = ProxyFactory(patient=other_patient)
    with pytest.raises(ApplicationError):
        check(patient, front_desk, caller="proxy", proxy_id=elsewhere.pk)


def test_back_office_work_opens_the_account_and_is_no_third_party_contact(patient, front_desk):
    logged = services.caller_check_record(patient_id=patient.pk, caller="no_caller", contact="phone", by=front_desk)
    assert (logged.allowed, logged.contact) == (True, "none")
    assert not selectors.third_party_contacts(patient_id=patient.pk).exists()


# --- Proxies ---


def test_it_stores_the_signed_document_and_who_registered_it(patient, front_desk):
    proxy = authorised_proxy_create(
        patient_id=patient.pk,
        name="Ola Nordmann",
        relationship="son",
        valid_from=TODAY,
        document=SimpleUploadedFile("fullmakt.pdf", PDF, content_type="application/pdf"),
        by=front_desk,
    )
    assert proxy.document.read() == PDF
    assert (proxy.created_by, proxy.created_at) == (front_desk, at(TODAY))


def test_it_refuses_a_document_that_is_no_pdf_or_image_whatever_its_name(patient):
    with pytest.raises(ApplicationError) as refused:
        authorised_proxy_create(
            patient_id=patient.pk,
            name="Ola Nordmann",
            valid_from=TODAY,
            document=SimpleUploadedFile("fullmakt.pdf", b"<html>", content_type="application/pdf"),
        )
    assert refused.value.field == "document"


def test_it_needs_a_document_reference_or_an_upload(patient):
    with pytest.raises(ApplicationError) as refused:
        authorised_proxy_create(patient_id=patient.pk, name="Ola Nordmann", valid_from=TODAY)
    assert refused.value.field == "document_reference"
