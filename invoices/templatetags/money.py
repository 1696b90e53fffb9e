"""Display money, dates and choice labels for the reader's locale (Babel). The one place money is formatted."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, get_currency_precision
from django import template
from django.db.models import Model
from django.utils.translation import get_language, to_locale

from invoices.jurisdiction import current_profile

register = template.Library()

# A large amount whose formatting shows the locale's grouping, decimal symbol and the pattern's affixes.
_SAMPLE = Decimal("1234567.89")


# Parsing a locale and its currency pattern costs more than formatting; pages format hundreds of amounts.
@lru_cache(maxsize=32)
def _babel_locale(language: str) -> Locale:
    return Locale.parse(to_locale(language))


@lru_cache(maxsize=32)
def _currency_pattern(language: str) -> NumberPattern:
    return _babel_locale(language).currency_formats["standard"]


@lru_cache(maxsize=32)
def _money_formatter(language: str, currency: str) -> Callable[[Decimal], str]:
    """What babel's NumberPattern.apply does for this locale and currency, prepared once.

    A page shows a hundred amounts or more, and apply() walks the pattern for each (about 0.1 ms). For the
    plain patterns (groups of three, no scaling or exponent, at least one integer digit) the result is the
    affixes babel produces around Python's own grouping with the locale's symbols swapped in; the affixes are
    taken from babel's own output for a sample amount, positive and negative. Any other pattern goes to babel.
    """
    locale = _babel_locale(language)
    pattern = _currency_pattern(language)

    def by_babel(value: Decimal) -> str:
        return pattern.apply(value, locale, currency=currency)

    if pattern.grouping != (3, 3) or pattern.scale != 0 or pattern.exp_prec or pattern.int_prec[0] != 1:
        return by_babel
    symbols = locale.number_symbols["latn"]
    to_locale_symbols = str.maketrans({",": symbols["group"], ".": symbols["decimal"]})
    quantum = Decimal(1).scaleb(-get_currency_precision(currency))

    def number(value: Decimal) -> str:
        # Babel quantizes the absolute value in the current decimal context, as here.
        return f"{abs(value).quantize(quantum):,f}".translate(to_locale_symbols)

    body = number(_SAMPLE)
    affixes: list[tuple[str, str]] = []
    for sample in (_SAMPLE, -_SAMPLE):
        text = by_babel(sample)
        if text.count(body) != 1:
            return by_babel
        prefix, suffix = text.split(body)
        affixes.append((prefix, suffix))
    (positive_prefix, positive_suffix), (negative_prefix, negative_suffix) = affixes

    def fast(value: Decimal) -> str:
        if not value.is_finite():
            return by_babel(value)
        # Babel takes the sign before rounding, so -0.001 shows as a negative zero, as here.
        if value.is_signed():
            return f"{negative_prefix}{number(value)}{negative_suffix}"
        return f"{positive_prefix}{number(value)}{positive_suffix}"

    return fast


@register.filter
def money(value: Decimal | None) -> str:
    """`{{ invoice.balance|money }}` → "1 234,50 kr" in Norwegian, "NOK 1,234.50" in English.

    The same as babel.numbers.format_currency with the locale's standard pattern, minus re-parsing both.
    """
    if value is None or value == "":
        return ""
    return _money_formatter(get_language() or "en", current_profile().currency)(Decimal(value))


# Pages show the same few hundred days over and over (service, due and posting dates); babel's formatting of
# one costs about 0.1 ms, a cached one nothing.
@lru_cache(maxsize=4096)
def _formatted_date(value: date, language: str, style: str) -> str:
    return format_date(value, format=style, locale=_babel_locale(language))


@register.filter
def local_date(value: date | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return _formatted_date(value, get_language() or "en", style)


@lru_cache(maxsize=1024)
def _choice_labels(model: type[Model], field_name: str, language: str | None) -> dict[object, str]:
    """The field's labels in the active language (the key), translated once per process."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}  # type: ignore[union-attr]


@register.filter
def choice_label(instance: Model, field_name: str) -> str:
    """`{{ invoice|choice_label:"status" }}`: what `invoice.get_status_display` shows, for table rows.

    Django's get_FOO_display hashes every choice's lazy label on each call, which translates each of them:
    a seven-choice field costs seven translations per cell. Here the labels are translated once per field and
    language.
    """
    value = getattr(instance, field_name)
    return _choice_labels(type(instance), field_name, get_language()).get(value, str(value))
