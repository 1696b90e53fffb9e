"""`Cache-Control: no-store` on every answer that carries patient or staff data; public pages stay cacheable."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from portal.quick_pay import quick_pay_token
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db


def assert_not_stored(response) -> None:
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


@pytest.fixture
def invoice(patient):
    with time_machine.travel("2026-11-02 10:00 +01:00", tick=False):
        return issued_invoice(patient)


def test_it_marks_staff_pages_no_store(billing, client_for, invoice):
    response = client_for(billing).get(reverse("frontdesk:patient-detail", kwargs={"patient_id": invoice.patient_id}))
    assert response.status_code == 200
    assert_not_stored(response)


def test_it_marks_staff_pdfs_no_store(billing, client_for, invoice):
    response = client_for(billing).get(reverse("invoices:invoice-pdf", kwargs={"invoice_id": invoice.pk}))
    assert response["Content-Type"] == "application/pdf"
    assert_not_stored(response)


def test_it_marks_csv_exports_no_store(manager, client_for):
    response = client_for(manager).get(reverse("compliance:audit-log-csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert_not_stored(response)


def test_it_marks_api_answers_to_a_token_no_store(billing, invoice):
    token = Token.objects.create(user=billing)
    response = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(f"/api/v1/invoices/{invoice.pk}/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_it_marks_portal_pages_no_store(patient, client_for):
    response = client_for(patient.user).get(reverse("portal:portal-bills", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    assert_not_stored(response)


def test_it_marks_a_quick_pay_bill_no_store_though_nobody_signed_in(invoice):
    response = Client().get(reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(invoice)}))
    assert response.status_code == 200
    assert_not_stored(response)


def test_it_marks_a_sign_in_redirect_no_store():
    response = Client().get(reverse("frontdesk:home"))
    assert response.status_code == 302
    assert_not_stored(response)


@pytest.mark.parametrize("name", ["portal:portal-prices", "portal:portal-help"])
def test_it_leaves_public_pages_cacheable_for_anonymous_visitors(name):
    response = Client().get(reverse(name))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_it_marks_a_public_page_no_store_once_someone_is_signed_in(patient, client_for):
    # The page's header then names the patient and links to their bills.
    response = client_for(patient.user).get(reverse("portal:portal-prices"))
    assert_not_stored(response)


def test_it_leaves_static_files_cacheable(settings):
    # WhiteNoise answers static files before this middleware sees them (finders: no collectstatic in tests).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
