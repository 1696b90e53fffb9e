"""Cursor pagination of the API's sync lists (issue 19, item 3): `?limit=` and an opaque `?cursor=`.

A page is read by keyset, after the last row of the previous page in the list's order (a timestamp, then the
id), never by offset: a row written while a client pages through is not skipped, and a page costs the same
queries wherever it is. A row changed during paging moves to the end of an `updated_at` order and is listed
again there, which a sync wants (it sees the change), rather than being missed.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers

from clinic_billing.exceptions import ApplicationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
INVALID_CURSOR = "invalid_cursor"


class PageQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT, help_text=f"Rows per page (1 to {MAX_LIMIT})."
    )
    cursor = serializers.CharField(
        required=False, help_text="`next_cursor` of the previous page; leave out for the first page."
    )


def page_serializer(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The body of a page of `item`s: `results` and the `next_cursor` to ask for the next page with."""
    meta = type("Meta", (), {"ref_name": name})
    fields: dict[str, Any] = {
        "Meta": meta,
        "results": item(many=True),
        "next_cursor": serializers.CharField(
            allow_null=True, help_text="Pass as `cursor` for the next page; null on the last page."
        ),
    }
    return type(name, (serializers.Serializer,), fields)


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, pk = json.loads(raw)
        position = datetime.fromisoformat(moment), int(pk)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ApplicationError(
            _("This cursor is not one this list gave out; start again without it."), field="cursor", code=INVALID_CURSOR
        ) from exc
    if position[0].tzinfo is None:
        raise ApplicationError(
            _("This cursor is not one this list gave out; start again without it."), field="cursor", code=INVALID_CURSOR
        )
    return position


def keyset_page(queryset: QuerySet[Any], *, order_by: str, limit: int, cursor: str | None) -> Page:
    """One page of `queryset` in the order of `order_by` (a datetime field or annotation), then `id`.

    One query: `limit + 1` rows are read to know whether another page follows.
    """
    rows = queryset.order_by(order_by, "id")
    if cursor:
        moment, pk = _decode(cursor)
        rows = rows.filter(Q(**{f"{order_by}__gt": moment}) | Q(**{order_by: moment, "id__gt": pk}))
    found: list[Model] = list(rows[: limit + 1])
    if len(found) <= limit:
        return Page(rows=found, next_cursor=None)
    last = found[limit - 1]
    return Page(rows=found[:limit], next_cursor=_encode([getattr(last, order_by).isoformat(), last.pk]))
