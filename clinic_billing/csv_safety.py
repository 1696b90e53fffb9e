"""CSV files a spreadsheet opens safely: no cell of ours starts a formula (CSV injection).

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a
formula, and which character ends a cell depends on the reader: Excel in nb-NO and fr-FR splits on `;`, some
importers on tabs. A value such as a city `x;=cmd|' /C calc'!A0;` has no comma, so the CSV writer leaves it
unquoted, and a `;`-splitting spreadsheet sees a cell `=cmd|…` in the middle of it. So every formula trigger
at the start of the text or after any separator a reader may split on (`,` `;` tab, line breaks), with only
blanks between, gets an apostrophe before it: the apostrophe makes that cell plain text in every spreadsheet,
and a person reading the file sees what was typed. Numbers (`-120.00`) are left alone.

Every CSV export writes through `spreadsheet_writer`, so a column added later is covered too.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_TRIGGERS = "=+-@\uff1d\uff0b\uff0d\uff20"  # with their full-width forms, which some spreadsheets accept
SEPARATORS = ",;\t\r\n"

_TRIGGER_AFTER_SEPARATOR = re.compile(rf"([{re.escape(SEPARATORS)}])(\s*[{re.escape(FORMULA_TRIGGERS)}])")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def spreadsheet_cell(value: Any) -> Any:
    """The value with every formula trigger that could start a cell made plain text; non-text as it is."""
    if not isinstance(value, str) or _PLAIN_NUMBER.fullmatch(value):
        return value
    text = _TRIGGER_AFTER_SEPARATOR.sub(r"\1'\2", value)
    if text.lstrip()[:1] in tuple(FORMULA_TRIGGERS) or text[:1] in ("\t", "\r"):
        text = "'" + text
    return text


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SpreadsheetWriter:
    """`csv.writer` whose every cell passes through `spreadsheet_cell`."""

    def __init__(self, file: _Writable) -> None:
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def spreadsheet_writer(file: _Writable) -> SpreadsheetWriter:
    """A CSV writer for a file a person opens in a spreadsheet (see the module docstring)."""
    return SpreadsheetWriter(file)
