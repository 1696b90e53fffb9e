"""The API's JSON parser: DRF's, with a limit on how deep a body may nest.

Python's JSON decoder recurses once per level: a body of a few thousand `[` raised RecursionError, a 500. No
operation of the API takes more than a few levels (an invoice's lines are the deepest, at three), so a body
nested deeper than `MAX_DEPTH` is refused with a 400 before any serializer walks it.
"""

import codecs
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 32


def json_depth(value: Any) -> int:
    """How many arrays and objects deep `value` nests (a scalar is 0), counted without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class DepthLimitedJSONParser(JSONParser):
    """JSON bodies nested at most `MAX_DEPTH` levels; deeper is a ParseError (400), never a RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            reader = codecs.getreader(encoding)
        except LookupError:
            raise ParseError(f'Unsupported charset "{encoding}" in request Content-Type header.') from None
        try:
            data = json.load(
                reader(stream),
                parse_constant=strict_constant if self.strict else None,
            )
        except RecursionError:
            raise ParseError(self._too_deep()) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None  # DRF's own wording
        if json_depth(data) > MAX_DEPTH:
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return _("The JSON body is nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH}
