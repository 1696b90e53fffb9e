"""Display money and dates for the reader's locale (Babel). The one place money is formatted."""

from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern
from django import template
from django.utils.translation import get_language, to_locale

from invoices.jurisdiction import current_profile

register = template.Library()


# Parsing a locale and its currency pattern costs more than formatting; pages format hundreds of amounts.
@lru_cache(maxsize=32)
def _babel_locale(language: str) -> Locale:
    return Locale.parse(to_locale(language))


@lru_cache(maxsize=32)
def _currency_pattern(language: str) -> NumberPattern:
    return _babel_locale(language).currency_formats["standard"]


def _locale() -> Locale:
    return _babel_locale(get_language() or "en")


@register.filter
def money(value: Decimal | None) -> str:
    """`{{ invoice.balance|money }}` → "1 234,50 kr" in Norwegian, "NOK 1,234.50" in English.

    The same as babel.numbers.format_currency with the locale's standard pattern, minus re-parsing both.
    """
    if value is None or value == "":
        return ""
    language = get_language() or "en"
    return _currency_pattern(language).apply(
        Decimal(value), _babel_locale(language), currency=current_profile().currency
    )


@register.filter
def local_date(value: date | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, format=style, locale=_locale())
