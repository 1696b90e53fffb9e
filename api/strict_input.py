"""One check of every JSON body the API writes from, before its serializer reads it (`StaffApi.input_data`):

- a field the operation does not take is refused (400, code `unknown_field`), rather than silently dropped: a
  client that misspells `external_reference` or sends `amount_cents` learns so at once, not at the month's end;
- money is a decimal string ("120.00"): a JSON number for a money field is refused (400, code
  `money_not_a_string`), since a JSON float has already lost the cents in binary before we see it.

Nested bodies (an invoice's lines) are walked too; `field` names the place, e.g. `lines[1].unit_price`.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from clinic_billing.exceptions import ApplicationError

UNKNOWN_FIELD = "unknown_field"
MONEY_NOT_A_STRING = "money_not_a_string"


def input_refusal_check(serializer: serializers.Serializer, data: Any) -> None:
    """Refuse the first unknown field or JSON-number amount of `data` for `serializer`; return when none."""
    _check(serializer, data, path="")


def _is_money(field: serializers.Field) -> bool:
    # Every amount of the API is a decimal field (api.base.money_field); so are quantities, which a float rounds
    # just as badly.
    return isinstance(field, serializers.DecimalField)


def _check(serializer: serializers.Serializer, data: Any, *, path: str) -> None:
    if not isinstance(data, Mapping):
        return  # the serializer refuses a body that is not an object, in its own words
    fields = serializer.fields
    writable = {name for name, field in fields.items() if not field.read_only}
    for name in data:
        if name not in writable:
            where = f"{path}{name}"
            raise ApplicationError(
                _("This operation takes no field %(field)s.") % {"field": where}, field=where, code=UNKNOWN_FIELD
            )
    for name, value in data.items():
        field = fields[name]
        where = f"{path}{name}"
        if _is_money(field) and isinstance(value, int | float) and not isinstance(value, bool):
            raise ApplicationError(
                _('Send amounts as a decimal string, such as "120.00", not as a number.'),
                field=where,
                code=MONEY_NOT_A_STRING,
            )
        if isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            child = field.child
            if isinstance(child, serializers.Serializer):
                for index, item in enumerate(value):
                    _check(child, item, path=f"{where}[{index}].")
        elif isinstance(field, serializers.Serializer):
            _check(field, value, path=f"{where}.")
