"""Writing the catalogue: prices only move forward and close the one before, texts always include the clinic's
language, an explanation needs a name, and a code names one service."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from catalogue import services
from catalogue.models import Service, ServicePrice, ServiceText
from catalogue.selectors import ServiceWords
from catalogue.services import ServiceInput
from clinic_billing.exceptions import ApplicationError, Conflict, NotFound

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


def data(code: str = "C1", **fields: object) -> ServiceInput:
    return ServiceInput(code=code, coding_system="local", kind="procedure", **fields)  # type: ignore[arg-type]


def clinic_texts(settings, name: str = "Service") -> dict[str, ServiceWords]:
    return {settings.CLINIC_LANGUAGE: ServiceWords(name, "")}


@pytest.fixture
def service(settings) -> Service:
    return services.service_save(service_id=None, data=data(), texts=clinic_texts(settings), by=None)


def price(service: Service, amount: str, valid_from: date) -> ServicePrice:
    return services.service_price_set(service_id=service.pk, amount=Decimal(amount), valid_from=valid_from, by=None)


def test_it_ends_the_previous_price_the_day_before_a_new_one(service, manager):
    first = price(service, "100.00", date(2026, 1, 1))

    services.service_price_set(service_id=service.pk, amount=Decimal("120.00"), valid_from=MARCH, by=manager)

    first.refresh_from_db()
    latest = ServicePrice.objects.get(service=service, valid_from=MARCH)
    assert first.valid_until == MARCH - timedelta(days=1)
    assert (latest.amount, latest.valid_until, latest.created_by) == (Decimal("120.00"), None, manager)


@pytest.mark.parametrize("valid_from", [MARCH, MARCH - timedelta(days=1)])
def test_it_refuses_a_price_starting_on_or_before_the_latest(service, valid_from):
    price(service, "100.00", MARCH)

    with pytest.raises(ApplicationError) as refused:
        price(service, "90.00", valid_from)

    assert refused.value.field == "valid_from"
    assert list(ServicePrice.objects.filter(service=service).values_list("amount", "valid_until")) == [
        (Decimal("100.00"), None)
    ]


@pytest.mark.parametrize("amount", [Decimal("-1.00"), Decimal("1.005"), Decimal("NaN")])
def test_it_refuses_a_price_that_is_not_an_amount(service, amount):
    with pytest.raises(ApplicationError) as refused:
        services.service_price_set(service_id=service.pk, amount=amount, valid_from=MARCH, by=None)

    assert refused.value.field == "amount"


def test_it_refuses_texts_without_the_clinic_language(settings):
    settings.CLINIC_LANGUAGE = "nb"

    with pytest.raises(ApplicationError) as refused:
        services.service_save(service_id=None, data=data(), texts={"en": ServiceWords("GP visit", "")}, by=None)

    assert refused.value.field == "name_nb"
    assert not Service.objects.filter(code="C1").exists()


def test_it_refuses_an_explanation_without_a_name(settings):
    texts = {**clinic_texts(settings), "ru": ServiceWords("", "Обычный приём у врача.")}

    with pytest.raises(ApplicationError) as refused:
        services.service_save(service_id=None, data=data(), texts=texts, by=None)

    assert refused.value.field == "name_ru"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"coding_system": "icd10"}, "coding_system"),
        ({"kind": "massage"}, "kind"),
        ({"default_coverage": "employer"}, "default_coverage"),
    ],
)
def test_it_refuses_codes_outside_the_vocabularies(settings, fields, field):
    with pytest.raises(ApplicationError) as refused:
        services.service_save(
            service_id=None,
            data=ServiceInput(**{"code": "C9", "coding_system": "local", "kind": "lab", **fields}),
            texts=clinic_texts(settings),
            by=None,
        )

    assert refused.value.field == field


def test_it_refuses_a_text_in_a_language_the_product_does_not_speak(settings):
    texts = {**clinic_texts(settings), "de": ServiceWords("Arztbesuch", "")}

    with pytest.raises(ApplicationError) as refused:
        services.service_save(service_id=None, data=data(), texts=texts, by=None)

    assert refused.value.field == "texts"


def test_it_refuses_a_second_service_with_the_same_code(service, settings):
    with pytest.raises(Conflict) as refused:
        services.service_save(service_id=None, data=data(" C1 "), texts=clinic_texts(settings, "Other"), by=None)

    assert refused.value.field == "code"
    assert Service.objects.filter(code="C1").count() == 1


def test_it_refuses_a_price_for_a_service_that_does_not_exist():
    with pytest.raises(NotFound):
        services.service_price_set(service_id=999_999, amount=Decimal("1.00"), valid_from=MARCH, by=None)


def test_it_removes_a_language_left_empty_and_keeps_the_others(service, settings):
    settings_language = settings.CLINIC_LANGUAGE
    services.service_save(
        service_id=service.pk,
        data=data(),
        texts={settings_language: ServiceWords("Service", ""), "ru": ServiceWords("Услуга", "")},
        by=None,
    )

    services.service_save(
        service_id=service.pk,
        data=data(),
        texts={settings_language: ServiceWords("Renamed", ""), "ru": ServiceWords("", "")},
        by=None,
    )

    assert list(ServiceText.objects.filter(service=service).values_list("language", "name")) == [
        (settings_language, "Renamed")
    ]
