"""The 403, 404 and 500 pages: styled, with the menu of the audience (staff or portal) and a way back."""

import json
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from clinic_billing import urls
from clinic_billing.error_pages import page_not_found, permission_denied, server_error
from tests.factories import PatientFactory, UserFactory

STAFF_MENU = 'aria-label="Main"'
PORTAL_MENU = 'class="portal-nav"'


def test_the_handlers_are_the_styled_pages():
    assert urls.handler403 == "clinic_billing.error_pages.permission_denied"
    assert urls.handler404 == "clinic_billing.error_pages.page_not_found"
    assert urls.handler500 == "clinic_billing.error_pages.server_error"


@pytest.mark.django_db
def test_a_403_from_require_perm_shows_the_staff_menu_and_a_way_back(client_for, front_desk):
    response = client_for(front_desk).get(reverse("office:policy-detail"))

    page = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in page
    assert STAFF_MENU in page and "Sign out" in page
    assert f'href="{reverse("frontdesk:home")}">Back to the worklist' in page
    assert 'href="/static/css/staff.css"' in page


@pytest.mark.django_db
def test_a_404_shows_the_staff_menu_and_a_way_back(client_for, billing):
    response = client_for(billing).get(reverse("frontdesk:invoice-detail", args=[987654]))

    page = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing at this address" in page
    assert STAFF_MENU in page
    assert "Back to the worklist" in page


@pytest.mark.django_db
def test_a_patient_gets_the_portal_menu_on_a_404_and_a_403():
    patient = PatientFactory(user=UserFactory(username="kari@example.org"))
    client = Client()
    client.force_login(patient.user)

    missing = client.get("/portal/no-such-page/")
    refused = client.get(reverse("office:policy-detail"))

    for response, status in ((missing, 404), (refused, 403)):
        page = response.content.decode()
        assert response.status_code == status
        assert PORTAL_MENU in page and STAFF_MENU not in page
        assert f'class="btn btn-primary" href="{reverse("portal:portal-home")}"' in page


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_the_portal_page_under_portal():
    response = Client().get("/portal/no-such-page/")

    assert response.status_code == 404
    assert 'href="/static/css/portal.css"' in response.content.decode()


@pytest.mark.django_db
def test_a_500_shows_the_staff_menu_and_a_way_back(client_for, billing):
    client = client_for(billing)
    client.raise_request_exception = False

    with mock.patch("frontdesk.views.invoices.selectors.invoices_overdue", side_effect=RuntimeError("boom")):
        response = client.get(reverse("frontdesk:home"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert STAFF_MENU in page
    assert "Back to the worklist" in page
    assert "boom" not in page


@pytest.mark.django_db
def test_the_500_page_still_answers_when_the_menu_cannot_be_drawn(client_for, billing):
    client = client_for(billing)
    client.raise_request_exception = False

    with (
        mock.patch("frontdesk.views.invoices.selectors.invoices_overdue", side_effect=RuntimeError("boom")),
        mock.patch("clinic_billing.error_pages.reaches_staff_screens", side_effect=RuntimeError("no database")),
    ):
        response = client.get(reverse("frontdesk:home"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert STAFF_MENU not in response.content.decode()


@pytest.mark.parametrize(("handler", "status"), [(page_not_found, 404), (permission_denied, 403), (server_error, 500)])
def test_the_api_keeps_answering_json(rf, handler, status):
    request = rf.get("/api/v1/invoices/1/")

    response = handler(request) if handler is server_error else handler(request, Exception())

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "detail" in json.loads(response.content)
