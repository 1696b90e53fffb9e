"""Display money and dates for the reader's locale (Babel). The one place money is formatted."""

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

from invoices.jurisdiction import current_profile

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


@register.filter
def money(value: Decimal | None) -> str:
    """`{{ invoice.balance|money }}` → "kr 1 234,50" in Norwegian, "NOK 1,234.50" in English."""
    if value is None or value == "":
        return ""
    return format_currency(Decimal(value), current_profile().currency, locale=_locale())


@register.filter
def local_date(value: date | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, format=style, locale=_locale())
