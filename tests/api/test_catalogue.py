"""GET /api/v1/services/: the catalogue a practice system reads to send the clinic's codes, with names in a
language (the clinic's when missing), the price of a day, and the same queries whatever its length."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from catalogue import services
from catalogue.selectors import ServiceWords
from catalogue.services import ServiceInput
from tests.factories import catalogue_service

pytestmark = pytest.mark.django_db

URL = "/api/v1/services/"


@pytest.fixture
def practice_system(billing) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=billing).key}")


def row(body: dict, code: str) -> dict:
    return next(service for service in body["results"] if service["code"] == code)


def test_it_lists_a_service_with_its_norwegian_name_and_price(practice_system):
    body = practice_system.get(URL, {"on": "2026-11-02", "language": "nb"}).json()

    assert (body["on"], body["language"]) == ("2026-11-02", "nb")
    assert row(body, "2ad") == {
        "code": "2ad",
        "coding_system": "no_tariff",
        "kind": "consultation",
        "name": "Legetime",
        "explanation": "En vanlig time hos lege, omtrent 15 minutter.",
        "name_language": "nb",
        "price": "183.00",
        "default_coverage": "patient",
        "exemption_card_applies": True,
        "estimable": True,
        "is_available": True,
        "missing_languages": [],
    }


def test_it_names_a_service_in_the_clinic_language_when_the_asked_one_is_missing(practice_system, settings):
    settings.CLINIC_LANGUAGE = "nb"
    services.service_save(
        service_id=None,
        data=ServiceInput(code="ONLYNB", coding_system="local", kind="lab"),
        texts={"nb": ServiceWords("Urinprøve", "")},
        by=None,
    )

    listed = row(practice_system.get(URL, {"language": "ru"}).json(), "ONLYNB")

    assert (listed["name"], listed["name_language"], listed["price"]) == ("Urinprøve", "nb", None)
    assert listed["missing_languages"] == ["en", "fr", "pt", "ru"]


def test_it_prices_each_service_on_the_day_asked(practice_system):
    service = catalogue_service("DATED", "Dated", "100.00", valid_from=date(2026, 1, 1))
    services.service_price_set(service_id=service.pk, amount=Decimal("130.00"), valid_from=date(2026, 7, 1), by=None)

    def price_on(day: str) -> str | None:
        return row(practice_system.get(URL, {"on": day}).json(), "DATED")["price"]

    assert (price_on("2025-12-31"), price_on("2026-06-30"), price_on("2026-07-01")) == (None, "100.00", "130.00")


@pytest.mark.parametrize("query", [{"on": "2026-13-01"}, {"language": "de"}, {"on": ""}])
def test_it_refuses_a_filter_it_cannot_read(practice_system, query):
    response = practice_system.get(URL, query)

    assert response.status_code == 400


def test_it_refuses_a_provider_and_an_anonymous_caller(provider, client_for):
    assert client_for(provider).get(URL).status_code == 403
    assert Client().get(URL).status_code == 401


@pytest.mark.parametrize("extra", [2, 20])
def test_it_costs_the_same_queries_whatever_the_catalogues_length(extra, practice_system, django_assert_num_queries):
    for number in range(extra):
        catalogue_service(f"Q{number}", f"Service {number}")

    # The token and its user (1), the user's roles with every permission (1), the services, texts and prices (3).
    with django_assert_num_queries(5):
        body = practice_system.get(URL, {"on": "2026-11-02"}).json()

    assert {f"Q{number}" for number in range(extra)} <= {service["code"] for service in body["results"]}
