"""One helper keeps every CSV export from starting a formula, whichever separator the spreadsheet splits on."""

import csv
import io
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from clinic_billing.csv_safety import FORMULA_TRIGGERS, SEPARATORS, spreadsheet_cell, spreadsheet_writer

ATTACK = "=cmd|' /C calc'!A0"


def _cells_as_split_on(text: str, separator: str) -> list[str]:
    return text.split(separator)


def _starts_a_formula(cell: str) -> bool:
    stripped = cell.lstrip()
    return stripped[:1] in tuple(FORMULA_TRIGGERS)


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_it_neutralises_a_formula_after_a_separator(separator):
    value = f"x{separator}{ATTACK}{separator}"
    cells = _cells_as_split_on(str(spreadsheet_cell(value)), separator)
    assert cells[1] == "'" + ATTACK
    assert not any(_starts_a_formula(cell) for cell in cells)


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_it_neutralises_a_formula_after_a_separator_and_blanks(separator):
    cells = _cells_as_split_on(str(spreadsheet_cell(f"Oslo{separator}  +1+1")), separator)
    assert cells == ["Oslo", "'  +1+1"]


@pytest.mark.parametrize("value", ["=1+1", "+47 400 00 000", "-x", "@SUM(A1)", "\t=1", "\r=1", " =1", "\uff1d1+1"])
def test_it_neutralises_a_formula_at_the_start(value):
    assert str(spreadsheet_cell(value)).startswith("'")


@pytest.mark.parametrize("value", ["Kari Nordmann", "Anne-Marie Dupont", "Storgata 5, 0155 Oslo", "a@b.example", ""])
def test_it_leaves_plain_text_as_it_is(value):
    assert spreadsheet_cell(value) == value


@pytest.mark.parametrize("value", ["-120.00", "+5", "0.00", 42, None])
def test_it_leaves_numbers_and_non_text_as_they_are(value):
    assert spreadsheet_cell(value) == value


@given(st.text())
def test_no_cell_of_any_split_starts_a_formula(value):
    """Whatever the text and whichever separator a spreadsheet splits on, no cell it makes starts a formula.
    A plain number such as "-0" or "-120.00" is left as it is on purpose: a spreadsheet reads it as a number."""
    assume(not re.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]+)?", value))
    neutralised = spreadsheet_cell(value)
    for separator in SEPARATORS:
        cells = _cells_as_split_on(neutralised, separator)
        assert not any(_starts_a_formula(cell) for cell in cells), (separator, neutralised)


@given(st.text())
def test_it_only_adds_apostrophes(value):
    """A reader sees what was typed: the only change is an apostrophe before a trigger."""
    assert spreadsheet_cell(value).replace("'", "") == value.replace("'", "")


def test_the_writer_neutralises_every_cell_of_every_row():
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    writer.writerow(["Name", "City"])
    writer.writerows([[f"x;{ATTACK}", 3], ["-12.50", "=1"]])

    rows = list(csv.reader(io.StringIO(buffer.getvalue())))

    assert rows == [["Name", "City"], [f"x;'{ATTACK}", "3"], ["-12.50", "'=1"]]
