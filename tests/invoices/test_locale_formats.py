"""Money and dates read one way per language, as a native reader expects (issue 15, item 5)."""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from invoices.templatetags.money import local_date, money

NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", f"NOK{NBSP}395.00"),
        ("fr", f"395,00{NBSP}NOK"),
        ("pt", f"450,00{NBSP}NOK"),
        ("nb", f"395,00{NBSP}kr"),
        ("ru", f"395,00{NBSP}NOK"),
    ],
)
def test_it_formats_an_amount_in_norwegian_kroner_for_each_language(language, expected) -> None:
    amount = Decimal("450.00") if language == "pt" else Decimal("395.00")
    with translation.override(language):
        assert money(amount) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", f"-NOK{NBSP}1,234.50"),
        ("fr", f"-1{NNBSP}234,50{NBSP}NOK"),
        ("pt", f"-1{NBSP}234,50{NBSP}NOK"),
        ("nb", f"-1{NBSP}234,50{NBSP}kr"),
        ("ru", f"-1{NBSP}234,50{NBSP}NOK"),
    ],
)
def test_it_groups_thousands_and_keeps_the_sign_in_each_language(language, expected) -> None:
    with translation.override(language):
        assert money(Decimal("-1234.50")) == expected


@override_settings(BILLING_JURISDICTION="US")
def test_it_writes_dollars_as_americans_do_under_the_us_jurisdiction() -> None:
    with translation.override("en"):
        assert money(Decimal("1234.5")) == "$1,234.50"


@override_settings(BILLING_JURISDICTION="FR")
def test_it_writes_euros_after_the_amount_in_french_and_portuguese() -> None:
    with translation.override("fr"):
        assert money(Decimal("250.5")) == f"250,50{NBSP}€"
    with translation.override("pt"):
        assert money(Decimal("250.5")) == f"250,50{NBSP}€"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1 November 2026"),
        ("fr", "1er novembre 2026"),
        ("pt", "1 de novembro de 2026"),
        ("nb", "1. november 2026"),
        ("ru", "1 ноября 2026"),
    ],
)
def test_it_writes_the_first_of_the_month_as_each_language_does(language, expected) -> None:
    with translation.override(language):
        assert local_date(date(2026, 11, 1)) == expected
        assert local_date(date(2026, 11, 1), "medium") == expected


def test_it_writes_other_french_days_as_cardinals() -> None:
    with translation.override("fr"):
        assert local_date(date(2026, 11, 2)) == "2 novembre 2026"
        assert local_date(date(2026, 11, 21)) == "21 novembre 2026"


@pytest.mark.parametrize(
    ("language", "short_date", "short_datetime", "date_text"),
    [
        ("en", "06/12/2026", "06/12/2026 22:32", "6 December 2026"),
        ("fr", "06/12/2026", "06/12/2026 22:32", "6 décembre 2026"),
        ("pt", "06/12/2026", "06/12/2026 22:32", "6 de dezembro de 2026"),
        ("nb", "06.12.2026", "06.12.2026 22:32", "6. desember 2026"),
        ("ru", "06.12.2026", "06.12.2026 22:32", "6 декабря 2026"),
    ],
)
def test_it_uses_one_date_style_per_language_in_templates(language, short_date, short_datetime, date_text) -> None:
    moment = datetime(2026, 12, 6, 22, 32, tzinfo=ZoneInfo("Europe/Oslo"))
    template = Template(
        '{% load money %}{{ moment|date:"SHORT_DATETIME_FORMAT" }}|{{ day|date:"SHORT_DATE_FORMAT" }}|'
        '{{ day|local_date:"short" }}|{{ day|local_date }}|{{ day|date:"DATE_FORMAT" }}'
    )
    with translation.override(language):
        rendered = template.render(Context({"moment": moment, "day": moment.date()})).split("|")
    assert rendered[:4] == [short_datetime, short_date, short_date, date_text]
    if language != "pt":  # Django's Portuguese month names are capitalised; pages name months through local_date
        assert rendered[4] == date_text


@pytest.mark.parametrize("language", ["en", "fr", "pt", "nb", "ru"])
def test_short_datetime_shows_what_the_date_filter_shows(language) -> None:
    moments = [
        datetime(2026, 3, 29, 1, 59, 59, tzinfo=ZoneInfo("UTC")),  # the hour before Oslo's clocks go forward
        datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC")),  # Oslo's ambiguous hour (02:30 twice)
        datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("America/New_York")),
        datetime(999, 1, 2, 3, 4, tzinfo=ZoneInfo("UTC")),
    ] + [datetime(2026, month, month * 2, month, month * 4, tzinfo=ZoneInfo("Europe/Oslo")) for month in range(1, 13)]
    template = Template('{% load money %}{{ moment|date:"SHORT_DATETIME_FORMAT" }}|{{ moment|short_datetime }}')
    with translation.override(language):
        for moment in moments:
            expected, shown = template.render(Context({"moment": moment})).split("|")
            assert shown == expected
        assert Template("{% load money %}{{ nothing|short_datetime }}").render(Context({"nothing": None})) == ""


def test_it_never_ends_a_russian_sentence_on_a_doubled_full_stop() -> None:
    with translation.override("ru"):
        text = Template("{% load money %}До {{ day|local_date }}.").render(Context({"day": date(2026, 12, 6)}))
    assert text == "До 6 декабря 2026."


def test_it_keeps_a_french_label_and_its_colon_together_on_a_pdf() -> None:
    clinic = SimpleNamespace(
        name="Fjordside",
        address="Storgata 1",
        organisation_number="987 654 321",
        phone="+47 22 00 00 00",
        email="a@b.no",
    )
    with translation.override("fr"):
        html = render_to_string("pdf/_clinic.html", {"clinic": clinic})
    assert f"Téléphone{NBSP}: +47 22 00 00 00" in html
    assert f"Numéro d'organisation{NBSP}: 987 654 321" in html.replace("&#x27;", "'")
