"""Staff screens for patients: search, the account page and contact details."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from invoices import services
from invoices.models import Invoice
from invoices.templatetags.money import money
from patients.models import Patient
from tests.factories import PatientFactory, ProxyFactory, caller_identified, issued_invoice

HTMX = {"HX-Request": "true"}


@pytest.fixture
def staff_client(billing, client_for) -> Client:
    return client_for(billing)


def search(client: Client, query: str):
    return client.get(reverse("frontdesk:patient-search"), {"q": query}, headers=HTMX)


def test_it_finds_a_patient_by_name(staff_client, patient, other_patient):
    response = search(staff_client, "nordm")
    assert response.status_code == 200
    assert "Kari Nordmann" in response.content.decode()
    assert "Ivan Petrov" not in response.content.decode()


def test_it_finds_a_patient_by_date_of_birth(staff_client, patient, other_patient):
    PatientFactory(name="Born Elsewhen", date_of_birth=date(1991, 3, 4))
    response = search(staff_client, "04.03.1991")
    assert "Born Elsewhen" in response.content.decode()
    assert "Kari Nordmann" not in response.content.decode()


def test_it_finds_a_patient_by_invoice_number(staff_client, patient, other_patient):
    invoice = issued_invoice(other_patient)
    response = search(staff_client, invoice.number)
    assert "Ivan Petrov" in response.content.decode()
    assert "Kari Nordmann" not in response.content.decode()


def test_it_finds_a_patient_by_payment_reference(staff_client, patient, other_patient):
    invoice = issued_invoice(other_patient)
    response = search(staff_client, invoice.payment_reference)
    assert "Ivan Petrov" in response.content.decode()
    assert "Kari Nordmann" not in response.content.decode()


@pytest.mark.parametrize("query", ["\x00", "Kari\x00", "\x00nordm"])
def test_it_searches_without_the_nul_characters_of_a_query(staff_client, patient, query):
    """PostgreSQL refuses a NUL in a string literal: the search answered 500 there."""
    response = search(staff_client, query)
    assert response.status_code == 200
    assert ("Kari Nordmann" in response.content.decode()) == (query != "\x00")


def test_it_returns_only_the_results_partial_to_htmx(staff_client, patient):
    response = search(staff_client, "Kari")
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_it_redirects_a_single_hit_to_the_account_without_htmx(staff_client, patient, other_patient):
    response = staff_client.get(reverse("frontdesk:patient-search"), {"q": "Kari"})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:patient-detail", args=[patient.pk])


def test_it_shows_the_full_search_page_for_several_hits(staff_client, patient, other_patient):
    response = staff_client.get(reverse("frontdesk:patient-search"), {"q": "a"})
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert "Kari Nordmann" in response.content.decode()
    assert "Ivan Petrov" in response.content.decode()


def test_it_shows_the_balance_and_invoices_on_the_account(staff_client, patient):
    # The default lines: 400.00 by the insurer (pending) and 71.00 by the patient.
    invoice = issued_invoice(patient)
    caller_identified(staff_client, patient)
    response = staff_client.get(reverse("frontdesk:patient-detail", args=[patient.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert invoice.number in page
    assert money(Decimal("71.00")) in page
    assert "Waiting for insurer" in page


def test_it_shows_a_credit_when_the_patient_paid_too_much(staff_client, patient, billing):
    invoice = issued_invoice(patient)
    services.payment_record(invoice_id=invoice.pk, amount="100.00", payer="patient", method="cash", by=billing)
    caller_identified(staff_client, patient)
    response = staff_client.get(reverse("frontdesk:patient-detail", args=[patient.pk]))
    assert f"{money(Decimal('29.00'))} credit in the patient" in response.content.decode()


def test_it_shows_whether_each_proxy_is_active_today(staff_client, patient):
    ProxyFactory(patient=patient, name="Ola Active")
    ProxyFactory(patient=patient, name="Per Expired", valid_to=date(2021, 1, 1))
    page = staff_client.get(reverse("frontdesk:patient-detail", args=[patient.pk])).content.decode()
    page = page[page.index('id="proxies-title"') :]
    assert page.index("Ola Active") < page.index("active today") < page.index("Per Expired")
    assert "not active today" in page[page.index("Per Expired") :]


@pytest.mark.parametrize(
    "name", ["frontdesk:home", "frontdesk:patient-search", "frontdesk:patient-detail", "frontdesk:patient-contact-edit"]
)
def test_it_refuses_a_patient_user(client_for, patient, name):
    args = [patient.pk] if name.startswith("frontdesk:patient-") and name != "frontdesk:patient-search" else []
    response = client_for(patient.user).get(reverse(name, args=args))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name", ["frontdesk:home", "frontdesk:patient-search", "frontdesk:patient-detail", "frontdesk:patient-contact-edit"]
)
def test_it_sends_anonymous_users_to_login(client, patient, name):
    args = [patient.pk] if name.startswith("frontdesk:patient-") and name != "frontdesk:patient-search" else []
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_it_answers_404_for_an_unknown_patient(staff_client, db):
    assert staff_client.get(reverse("frontdesk:patient-detail", args=[999999])).status_code == 404


def test_it_logs_a_read_of_the_account(staff_client, patient, billing):
    staff_client.get(reverse("frontdesk:patient-detail", args=[patient.pk]))
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(patient.pk))
    assert entry.content_type.model_class() is Patient
    assert entry.actor == billing


@pytest.mark.parametrize("invoices", [1, 20])
def test_it_runs_a_fixed_number_of_queries_on_the_account(
    staff_client, patient, billing, django_assert_num_queries, invoices
):
    for _ in range(invoices):
        invoice = issued_invoice(patient)
        services.payment_record(invoice_id=invoice.pk, amount="10.00", payer="patient", method="card", by=billing)
    ContentType.objects.get_for_models(Patient, Invoice)  # warm the cache the audit log uses
    caller_identified(staff_client, patient)
    # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
    # 4 patient, 5 coverages, 6 proxies, 7 insert the audit ACCESS entry, 8 balance, 9 the open complaint,
    # 10 invoices, 11 the promise to pay that holds reminders now,
    # 14-23 the timeline: ledger entries, notices, complaints, calls, portal messages, contact changes (the audit
    # log), proxies, third-party contacts, notes, promises to pay (frontdesk/timeline.py, one query each)
    # +1: the two-factor device that verified this staff session (django-otp, mfa)
    # +1: the latest email change with who made it (an unconfirmed one blocks portal invitations)
    # +3: the quick invoices' services, their names and today's prices (the service catalogue)
    with django_assert_num_queries(26):
        response = staff_client.get(reverse("frontdesk:patient-detail", args=[patient.pk]))
    assert response.status_code == 200


def test_it_saves_contact_details(staff_client, patient):
    form = {
        "email": "kari@example.org",
        "phone": "+47 411 11 111",
        "language": "en",
        "preferred_channel": "email",
        "opt_out_sms": "on",
    }
    response = staff_client.post(reverse("frontdesk:patient-contact-edit", args=[patient.pk]), form)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.email, patient.language, patient.opt_out_sms) == ("kari@example.org", "en", True)


def test_it_shows_a_refusal_on_the_field_it_names(staff_client, patient):
    form = {"email": "kari@example.org", "language": "nb", "preferred_channel": "letter"}
    response = staff_client.post(reverse("frontdesk:patient-contact-edit", args=[patient.pk]), form)
    assert response.status_code == 200
    assert response.context["form"].errors["address_line"] == ["Letters need a street address, postal code and city."]


def test_it_refuses_contact_changes_to_a_provider(client_for, provider, patient):
    form = {"email": "new@example.org", "language": "nb", "preferred_channel": "email"}
    response = client_for(provider).post(reverse("frontdesk:patient-contact-edit", args=[patient.pk]), form)
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.email != "new@example.org"


def test_it_shows_no_contact_button_to_a_provider(client_for, provider, patient):
    response = client_for(provider).get(reverse("frontdesk:patient-detail", args=[patient.pk]))
    assert reverse("frontdesk:patient-contact-edit", args=[patient.pk]) not in response.content.decode()


def test_it_keeps_amounts_decimal_in_the_balance(staff_client, patient):
    issued_invoice(patient)
    response = staff_client.get(reverse("frontdesk:patient-detail", args=[patient.pk]))
    assert response.context["balance"] == Decimal("71.00")


def test_search_needs_the_permission_to_see_patients_not_only_a_staff_role(front_desk, patient, client_for):
    view_patient = Permission.objects.get(content_type__app_label="patients", codename="view_patient")
    for group in front_desk.groups.all():
        group.permissions.remove(view_patient)
    response = client_for(front_desk).get(reverse("frontdesk:patient-search"), {"q": patient.name})
    assert response.status_code == 403
    assert patient.name not in response.content.decode()
