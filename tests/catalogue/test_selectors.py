"""Reading the catalogue: each reader's words with the clinic-language fallback, the price of a day, and three
queries whatever the catalogue's length."""

from datetime import date
from decimal import Decimal

import pytest

from catalogue import services
from catalogue.selectors import ServiceWords, catalogue_entries, catalogue_entries_by_code
from catalogue.services import ServiceInput

pytestmark = pytest.mark.django_db

JANUARY, MARCH, JUNE = date(2026, 1, 1), date(2026, 3, 1), date(2026, 6, 1)


def service(code: str, texts: dict[str, tuple[str, str]], prices: list[tuple[date, str]] = ()) -> int:
    saved = services.service_save(
        service_id=None,
        data=ServiceInput(code=code, coding_system="local", kind="procedure"),
        texts={language: ServiceWords(*words) for language, words in texts.items()},
        by=None,
    )
    for valid_from, amount in prices:
        services.service_price_set(service_id=saved.pk, amount=Decimal(amount), valid_from=valid_from, by=None)
    return saved.pk


def entry(code: str, *, language: str, on: date = JUNE):
    return catalogue_entries_by_code([code], on=on, language=language)[code]


def test_it_names_a_service_in_the_readers_own_language():
    service("X1", {"nb": ("Legetime", "En vanlig time."), "fr": ("Consultation", "Un rendez-vous.")})

    words = entry("X1", language="fr").words

    assert (words.value, words.language, words.is_fallback) == (
        ServiceWords("Consultation", "Un rendez-vous."),
        "fr",
        False,
    )


def test_it_falls_back_to_the_clinic_language_when_the_readers_is_missing(settings):
    settings.CLINIC_LANGUAGE = "nb"
    service("X2", {"nb": ("Legetime", ""), "fr": ("Consultation", ""), "en": ("GP visit", "")})

    words = entry("X2", language="ru").words

    assert (words.value.name, words.language, words.is_fallback) == ("Legetime", "nb", True)


def test_it_falls_back_to_any_version_when_the_clinic_language_is_missing_too(settings):
    settings.CLINIC_LANGUAGE = "nb"
    service("X3", {"nb": ("Legetime", "")})
    settings.CLINIC_LANGUAGE = "en"  # the clinic changed its language after writing the texts

    words = entry("X3", language="ru").words

    assert (words.value.name, words.language, words.is_fallback) == ("Legetime", "nb", True)


def test_it_lists_the_languages_a_service_has_no_text_in(settings):
    settings.CLINIC_LANGUAGE = "nb"
    service("X4", {"nb": ("Legetime", ""), "fr": ("Consultation", "")})

    assert entry("X4", language="en").missing_languages == ["en", "pt", "ru"]


@pytest.mark.parametrize(
    ("day", "price"),
    [
        (date(2025, 12, 31), None),  # before the first price: the service cannot be billed that day
        (JANUARY, Decimal("100.00")),
        (date(2026, 2, 28), Decimal("100.00")),  # the last day of the first price
        (MARCH, Decimal("120.00")),
        (date(2026, 5, 31), Decimal("120.00")),
        (JUNE, Decimal("150.00")),
        (date(2030, 1, 1), Decimal("150.00")),  # the latest price runs until it is changed
    ],
)
def test_it_prices_a_service_by_the_range_the_day_falls_in(settings, day, price):
    service(
        "X5",
        {settings.CLINIC_LANGUAGE: ("Service", "")},
        [(JANUARY, "100.00"), (MARCH, "120.00"), (JUNE, "150.00")],
    )

    assert entry("X5", language="en", on=day).price == price


@pytest.mark.parametrize("size", [2, 20])
def test_it_reads_the_catalogue_in_three_queries_whatever_its_length(settings, size, django_assert_num_queries):
    for number in range(size):
        service(
            f"Q{number}",
            {settings.CLINIC_LANGUAGE: (f"Service {number}", ""), "ru": (f"Услуга {number}", "")},
            [(JANUARY, "100.00"), (MARCH, "120.00")],
        )

    # The services, their texts, their prices that day.
    with django_assert_num_queries(3):
        entries = catalogue_entries(on=JUNE, language="ru")

    assert {e.name for e in entries if e.code.startswith("Q")} == {f"Услуга {n}" for n in range(size)}
