"""Who may see what in the portal: every bill route answers 404 for an account the user may not see.

Two patients (Kari and Ivan), Kari's proxy, a staff member and an anonymous visitor try every route.
"""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invoices.models import Invoice
from patients.models import AuthorisedProxy
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

INVOICE_ROUTES = ["portal:portal-bill", "portal:portal-bill-pdf"]


@pytest.fixture
def kari_invoice(patient) -> Invoice:
    return issued_invoice(patient)


@pytest.fixture
def ivan_invoice(other_patient) -> Invoice:
    return issued_invoice(other_patient)


def urls_for(invoice: Invoice) -> list[str]:
    """Every portal route that shows something of a patient's account, for this invoice's patient."""
    ids = {"patient_id": invoice.patient_id, "invoice_id": invoice.pk}
    return [reverse("portal:portal-bills", kwargs={"patient_id": invoice.patient_id})] + [
        reverse(name, kwargs=ids) for name in INVOICE_ROUTES
    ]


def test_it_shows_a_patient_every_route_of_their_own_account(client_for, patient, kari_invoice):
    client = client_for(patient.user)
    for url in urls_for(kari_invoice):
        assert client.get(url).status_code == 200, url


def test_it_answers_404_when_a_patient_asks_for_another_patients_account(
    client_for, patient, kari_invoice, ivan_invoice
):
    client = client_for(patient.user)
    for url in urls_for(ivan_invoice):
        assert client.get(url).status_code == 404, url
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 0


@pytest.mark.parametrize("name", INVOICE_ROUTES)
def test_it_answers_404_for_another_patients_invoice_under_ones_own_patient_id(
    client_for, patient, kari_invoice, ivan_invoice, name
):
    url = reverse(name, kwargs={"patient_id": patient.pk, "invoice_id": ivan_invoice.pk})
    assert client_for(patient.user).get(url).status_code == 404


@pytest.mark.parametrize("name", INVOICE_ROUTES)
def test_it_answers_the_same_404_for_an_invoice_that_does_not_exist(client_for, patient, kari_invoice, name):
    url = reverse(name, kwargs={"patient_id": patient.pk, "invoice_id": kari_invoice.pk + 1000})
    assert client_for(patient.user).get(url).status_code == 404


def test_it_shows_a_proxy_the_granted_patient_and_nothing_else(client_for, proxy, kari_invoice, ivan_invoice):
    client = client_for(proxy.user)
    for url in urls_for(kari_invoice):
        assert client.get(url).status_code == 200, url
    for url in urls_for(ivan_invoice):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "change",
    [
        {"valid_to": timezone.localdate() - timedelta(days=1)},
        {"revoked_at": timezone.now() - timedelta(minutes=1)},
        {"valid_from": timezone.localdate() + timedelta(days=1)},
    ],
    ids=["expired", "revoked", "not-yet-valid"],
)
def test_it_shows_a_proxy_nothing_once_the_grant_has_ended(client_for, proxy, kari_invoice, change):
    AuthorisedProxy.objects.filter(pk=proxy.pk).update(**change)
    client = client_for(proxy.user)
    for url in urls_for(kari_invoice):
        assert client.get(url).status_code == 404, url


def test_it_sends_an_anonymous_visitor_to_the_sign_in_page(kari_invoice):
    client = Client()
    for url in urls_for(kari_invoice):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("portal:portal-login") + "?next=")


def test_it_shows_a_staff_member_no_patients_data_through_the_portal(client_for, billing, kari_invoice, ivan_invoice):
    client = client_for(billing)
    for url in urls_for(kari_invoice) + urls_for(ivan_invoice):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("portal:portal-home"))["Location"] == reverse("frontdesk:home")


def test_it_opens_only_the_invoice_a_quick_pay_link_names(client, kari_invoice, ivan_invoice):
    from portal.quick_pay import quick_pay_token

    html = client.get(
        reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(kari_invoice)})
    ).content.decode()
    assert kari_invoice.payment_reference in html
    assert ivan_invoice.payment_reference not in html
    assert "Ivan Petrov" not in html


def test_it_keeps_the_account_pages_open_to_anonymous_visitors(client, ivan_invoice):
    names = (
        "portal:portal-login",
        "portal:portal-password-reset",
        "portal:portal-password-reset-done",
        "portal:portal-password-reset-complete",
    )
    for name in names:
        assert client.get(reverse(name)).status_code == 200, name
