"""The display filters (money, local_date, choice_label) show exactly what Babel and Django would, only faster."""

import random
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from babel.dates import format_date
from babel.numbers import NumberPattern, format_currency
from django.conf import settings
from django.utils import translation

from invoices.models import Invoice, LedgerEntry
from invoices.templatetags import money as filters

LANGUAGES = [code for code, _name in settings.LANGUAGES]
CURRENCIES = ["NOK", "USD", "EUR", "JPY"]  # the jurisdictions' currencies, and one without decimals

rng = random.Random(7)  # sample amounts, not secrets
AMOUNTS = [
    Decimal(text)
    for text in ("0", "-0", "0.00", "-0.001", "0.005", "0.015", "-0.005", "1", "-1", "999.995", "1000", "1E+3")
] + [
    Decimal("-1234567.891"),
    Decimal("12345678901.23"),
    *(Decimal(rng.randint(-(10**9), 10**9)) / 100 for _ in range(300)),
    *(Decimal(rng.randint(-(10**7), 10**7)) / 1000 for _ in range(300)),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_it_formats_money_as_babel_does(language, currency) -> None:
    locale_name = filters.babel_locale_name(language)
    formatter = filters._money_formatter(locale_name, currency)
    locale = filters._babel_locale(locale_name)
    for amount in AMOUNTS:
        expected = filters._currency_spaced(format_currency(amount, currency, locale=locale))
        assert formatter(amount) == expected, (language, currency, amount)


def test_it_walks_babel_pattern_only_to_prepare_a_locale() -> None:
    filters._money_formatter.cache_clear()
    filters._money_formatter_for.cache_clear()
    patched = mock.patch.object(NumberPattern, "apply", autospec=True, side_effect=NumberPattern.apply)
    with patched as apply, translation.override("nb"):
        for amount in AMOUNTS:
            filters.money(amount)
    assert apply.call_count == 2  # the sample amount, positive and negative, once per locale and currency


@pytest.mark.parametrize("language", ["en", "nb"])
def test_it_formats_dates_as_babel_does_in_its_long_style(language) -> None:
    days = [date(2026, 1, 31) + timedelta(days=step * 37) for step in range(12)]
    with translation.override(language):
        for day in days:
            expected = format_date(
                day, format="long", locale=filters._babel_locale(filters.babel_locale_name(language))
            )
            assert filters.local_date(day) == expected
            assert filters.local_date(day, "medium") == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_same_choice_label_as_get_display(language) -> None:
    with translation.override(language):
        for status in Invoice.Status:
            invoice = Invoice(status=status)
            assert filters.choice_label(invoice, "status") == invoice.get_status_display()
        for kind in LedgerEntry.Kind:
            entry = LedgerEntry(kind=kind)
            assert filters.choice_label(entry, "kind") == entry.get_kind_display()


def test_it_shows_an_unknown_choice_value_as_is() -> None:
    assert filters.choice_label(Invoice(status="archived"), "status") == "archived"
