"""Every refusal of the API is JSON with a `detail` string, as the schema's Error component declares."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(billing) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=billing).key}")


def test_it_gives_a_field_error_a_detail_too(api):
    response = api.get("/api/v1/reminders/")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This field is required.",
        "invoice": ["This field is required."],
        "code": "invalid",
    }


def test_it_gives_a_nested_field_error_the_first_message_as_detail(api, patient):
    body = {
        "patient": patient.pk,
        "service_date": "2026-11-02",
        "lines": [
            {"code": "GP1", "description": "Consultation", "quantity": "1", "unit_price": "x", "coverage": "patient"}
        ],
    }

    response = api.post("/api/v1/invoices/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "A valid number is required."
    assert "A valid number is required." in str(response.json()["lines"])


def test_it_gives_a_body_that_is_not_an_object_a_detail(api):
    response = api.post("/api/v1/patients/", "[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/complaints/null,null/"),
        ("post", "/api/v1/complaints/-1/close/"),
        ("get", "/api/v1/no-such-thing/"),
        ("get", "/api/v2/"),
    ],
)
def test_it_answers_an_api_url_that_names_no_operation_with_a_json_404(api, method, url):
    response = getattr(api, method)(url, content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_known_api_url_without_its_trailing_slash_is_redirected_to_it(api, patient):
    response = api.get(f"/api/v1/patients/{patient.pk}")

    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/patients/{patient.pk}/"


def test_it_answers_a_post_to_an_unknown_api_url_with_json_404_without_asking_for_a_csrf_token(billing):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=billing).key}")

    response = client.post("/api/v1/no-such-thing/", {}, content_type="application/json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_refusal_with_several_messages_keeps_them_all_in_detail():
    from rest_framework import exceptions

    from clinic_billing.api_errors import exception_handler

    response = exception_handler(exceptions.ValidationError(["Choose a day.", "Choose an amount."]), {})

    assert response.data == {"detail": "Choose a day. Choose an amount.", "code": "invalid"}


# --- Bad input is a 4xx with a message, never a 500 (issue 12 item 5) ------------------------------------


@pytest.mark.parametrize("depth", [100, 5000, 100_000])
def test_it_refuses_json_nested_too_deep_with_a_400(api, depth):
    """Thousands of levels made the JSON decoder raise RecursionError: a 500."""
    body = "[" * depth + "]" * depth

    response = api.post("/api/v1/patients/", body, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_it_takes_json_nested_as_deep_as_an_invoice_needs(api, patient):
    body = {
        "patient": patient.pk,
        "service_date": "2026-11-02",
        "lines": [
            {"code": "GP1", "description": "Visit", "quantity": "1", "unit_price": "500.00", "coverage": "patient"}
        ],
    }
    assert api.post("/api/v1/invoices/", body, content_type="application/json").status_code == 201


def test_it_answers_a_body_over_the_size_limit_with_a_json_413(api, settings):
    body = '{"name": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'

    response = api.post("/api/v1/patients/", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "too large" in response.json()["detail"]


def test_it_answers_a_too_large_body_to_a_staff_page_with_413(billing, client_for, settings, patient):
    body = {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}

    response = client_for(billing).post(f"/patients/{patient.pk}/contact/", body)

    assert response.status_code == 413


def test_it_answers_a_body_in_an_unknown_charset_with_a_400_not_a_500(api):
    response = api.generic("POST", "/api/v1/patients/", b"{}", content_type="application/json; charset=no-such-charset")

    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("authorization", [None, "Token not-a-real-token"])
def test_it_answers_a_missing_or_refused_token_with_401_naming_the_scheme(authorization):
    client = Client(HTTP_AUTHORIZATION=authorization) if authorization else Client()

    response = client.get("/api/v1/patients/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["code"] in ("not_authenticated", "authentication_failed")


def test_it_keeps_the_code_of_a_refusal_in_every_language(billing, client_for):
    client = client_for(billing)

    english = client.get("/api/v1/patients/", {"cursor": "x"}, headers={"Accept-Language": "en"}).json()
    norwegian = client.get("/api/v1/patients/", {"cursor": "x"}, headers={"Accept-Language": "nb"}).json()

    assert english["code"] == norwegian["code"] == "invalid_cursor"
