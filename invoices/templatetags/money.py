"""Display money, dates and choice labels for the reader's locale (Babel). The one place money is formatted."""

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, get_currency_precision
from django import template
from django.conf import settings
from django.db.models import Choices, Model
from django.utils import dateformat, formats
from django.utils.translation import get_language, to_locale

from invoices.jurisdiction import current_profile

register = template.Library()

# A large amount whose formatting shows the locale's grouping, decimal symbol and the pattern's affixes.
_SAMPLE = Decimal("1234567.89")

# CLDR's currencySpacing, which Babel does not apply: a currency code or a symbol ending in a letter is kept
# apart from the digits by a no-break space ("NOK 395.00", not "NOK395.00"); "$395.00" stays as it is.
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)")
_DIGIT_THEN_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])")


def _currency_spaced(text: str) -> str:
    return _DIGIT_THEN_LETTER.sub("\u00a0", _LETTER_THEN_DIGIT.sub("\u00a0", text))


def babel_locale_name(language: str) -> str:
    """The regional locale a language is written in here: Babel's bare "pt" is Brazil's, "en" America's.

    The catalogues are European Portuguese and British English; a clinic under the US jurisdiction writes
    American English (dates, "$").
    """
    if language == "pt":
        return "pt_PT"
    if language == "en":
        return "en_US" if current_profile().code == "US" else "en_GB"
    return to_locale(language)


# Parsing a locale and its currency pattern costs more than formatting; pages format hundreds of amounts.
@lru_cache(maxsize=32)
def _babel_locale(locale_name: str) -> Locale:
    return Locale.parse(locale_name)


@lru_cache(maxsize=32)
def _currency_pattern(locale_name: str) -> NumberPattern:
    return _babel_locale(locale_name).currency_formats["standard"]


@lru_cache(maxsize=32)
def _money_formatter(locale_name: str, currency: str) -> Callable[[Decimal], str]:
    """What babel's NumberPattern.apply does for this locale and currency, prepared once.

    A page shows a hundred amounts or more, and apply() walks the pattern for each (about 0.1 ms). For the
    plain patterns (groups of three, no scaling or exponent, at least one integer digit) the result is the
    affixes babel produces around Python's own grouping with the locale's symbols swapped in; the affixes are
    taken from babel's own output for a sample amount, positive and negative. Any other pattern goes to babel.
    Both add CLDR's currency spacing, which babel leaves out.
    """
    locale = _babel_locale(locale_name)
    pattern = _currency_pattern(locale_name)

    def by_babel(value: Decimal) -> str:
        return _currency_spaced(pattern.apply(value, locale, currency=currency))

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


@lru_cache(maxsize=64)
def _money_formatter_for(language: str, jurisdiction: str) -> Callable[[Decimal], str]:
    """The formatter for a language under a jurisdiction (its currency and, for English, its locale)."""
    return _money_formatter(babel_locale_name(language), current_profile().currency)


def money_formatter() -> Callable[[Decimal], str]:
    """What `money` formats with in the active language: for code that formats a table of amounts at once."""
    return _money_formatter_for(get_language() or "en", settings.BILLING_JURISDICTION)


@register.filter
def money(value: Decimal | None) -> str:
    """`{{ invoice.balance|money }}` → "1 234,50 kr" in Norwegian, "NOK 1,234.50" in English, "450,00 NOK" in
    Portuguese (Portugal's pattern, not Brazil's "NOK 450,00").

    The same as babel.numbers.format_currency with the locale's standard pattern and CLDR's currency spacing,
    minus re-parsing both.
    """
    if value is None or value == "":
        return ""
    return money_formatter()(Decimal(value))


# Russian's long date ends in "г.", which doubled the full stop of every sentence ending on a date.
_DATE_PATTERNS = {"ru": "d MMMM y"}


# Pages show the same few hundred days over and over (service, due and posting dates); babel's formatting of
# one costs about 0.1 ms, a cached one nothing.
@lru_cache(maxsize=4096)
def _formatted_date(value: date, language: str, locale_name: str) -> str:
    text = format_date(value, format=_DATE_PATTERNS.get(language, "long"), locale=_babel_locale(locale_name))
    if language == "fr" and value.day == 1:
        # French writes the first of the month as an ordinal: "1er novembre", never "1 novembre".
        text = text.replace("1", "1er", 1)
    return text


# The numeric date of staff tables, by day and language: Django's date_format interprets the format string for
# each call (about 0.03 ms), and a table shows the same days many times.
@lru_cache(maxsize=4096)
def _short_date(value: date, language: str | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


@register.filter
def local_date(value: date | None, style: str = "long") -> str:
    """A date in the reader's language, one style per language: "6 December 2026", "1er novembre 2026",
    "6. desember 2026"; `|local_date:"short"` is the numeric SHORT_DATE_FORMAT staff tables use ("06/12/2026").

    "medium" and "long" read the same: a page used to mix "Dec 6, 2026" with "December 6, 2026".
    """
    if value is None:
        return ""
    language = get_language() or "en"
    if style == "short":
        return _short_date(value, language)
    return _formatted_date(value, language, babel_locale_name(language))


# What Django's date format characters give, for the numeric ones the short formats use; a format with any
# other character is left to Django.
_NUMERIC_FORMAT_CHARACTERS: dict[str, Callable[[datetime], str]] = {
    "d": lambda moment: f"{moment.day:02d}",
    "j": lambda moment: str(moment.day),
    "m": lambda moment: f"{moment.month:02d}",
    "n": lambda moment: str(moment.month),
    "Y": lambda moment: f"{moment.year:04d}",
    "y": lambda moment: f"{moment.year % 100:02d}",
    "H": lambda moment: f"{moment.hour:02d}",
    "G": lambda moment: str(moment.hour),
    "i": lambda moment: f"{moment.minute:02d}",
    "s": lambda moment: f"{moment.second:02d}",
}


@lru_cache(maxsize=64)
def _numeric_format(language: str | None) -> tuple[str | Callable[[datetime], str], ...] | None:
    """The language's SHORT_DATETIME_FORMAT split as Django's dateformat splits it, or None if it has a
    character other than the numeric ones."""
    parts: list[str | Callable[[datetime], str]] = []
    for index, piece in enumerate(dateformat.re_formatchars.split(str(formats.get_format("SHORT_DATETIME_FORMAT")))):
        if index % 2:
            if piece not in _NUMERIC_FORMAT_CHARACTERS:
                return None
            parts.append(_NUMERIC_FORMAT_CHARACTERS[piece])
        elif piece:
            parts.append(dateformat.re_escaped.sub(r"\1", piece))
    return tuple(parts)


@register.filter(expects_localtime=True)
def short_datetime(value: datetime | None) -> str:
    """`{{ moment|short_datetime }}`: what `{{ moment|date:"SHORT_DATETIME_FORMAT" }}` shows ("07/12/2026 21:53"),
    in the current time zone.

    Django's `date` interprets the format string and checks the time zone's ambiguity for each call (about
    0.04 ms); timelines and ledgers show a hundred moments. The numeric formats every language here uses are
    split once per language.
    """
    if value is None or value == "":
        return ""
    parts = _numeric_format(get_language())
    if parts is None or not isinstance(value, datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    return "".join(part if isinstance(part, str) else part(value) for part in parts)


@lru_cache(maxsize=1024)
def _choice_labels(model: type[Model], field_name: str, language: str | None) -> dict[object, str]:
    """The field's labels in the active language (the key), translated once per process."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}  # type: ignore[union-attr]


@lru_cache(maxsize=256)
def _member_labels(choices: type[Choices], language: str | None) -> dict[object, str]:
    return {member: str(member.label) for member in choices}


def member_label(member: Choices) -> str:
    """`str(member.label)` of a TextChoices or IntegerChoices member, translated once per class and language."""
    return _member_labels(type(member), get_language())[member]


@register.filter
def choice_label(instance: Model, field_name: str) -> str:
    """`{{ invoice|choice_label:"status" }}`: what `invoice.get_status_display` shows, for table rows.

    Django's get_FOO_display hashes every choice's lazy label on each call, which translates each of them:
    a seven-choice field costs seven translations per cell. Here the labels are translated once per field and
    language.
    """
    value = getattr(instance, field_name)
    return _choice_labels(type(instance), field_name, get_language()).get(value, str(value))
