"""The API's JSON parser: DRF's, with a limit on how deep a body may nest.

Python's JSON decoder recurses once per level: a body of a few thousand `[` raised RecursionError, a 500. No
operation of the API takes more than a few levels (an invoice's lines are the deepest, at three), so a body
nested deeper than `MAX_DEPTH` is refused with a 400 before any serializer walks it.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

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
        # DRF's parser turns only a ValueError into a ParseError: a body nested thousands deep raises
        # RecursionError in the decoder, and an unknown charset LookupError in codecs; both were 500s.
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self._too_deep()) from None
        except LookupError:
            raise ParseError(_("The request's charset is not one this API can read; send UTF-8.")) from None
        if json_depth(data) > MAX_DEPTH:
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return _("The JSON body is nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH}
