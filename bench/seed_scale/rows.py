"""Rows written in bulk (COPY on PostgreSQL), ids allocated ahead, and the ledger history of one invoice."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from .vocabulary import ZERO, Kind


@dataclass
class Event:
    """One ledger movement of an invoice, before ids and running balances are known."""

    at: datetime
    kind: str
    amount: Decimal
    method: str = ""
    reference: str = ""
    note: str = ""
    owner: Any = None  # the row (reminder, adjustment) whose fee_entry / ledger_entry names this entry


@dataclass
class InvoiceState:
    """What the simulation knows about one invoice while its history unfolds."""

    id: int
    patient_id: int
    issued_at: datetime | None
    total: Decimal = ZERO
    third_party: Decimal = ZERO
    insurer_paid: Decimal = ZERO
    patient_paid: Decimal = ZERO
    balance: Decimal = ZERO
    settled: bool = False
    events: list[Event] = field(default_factory=list)

    def patient_due(self) -> Decimal:
        outstanding = ZERO if self.settled else max(ZERO, self.third_party - self.insurer_paid)
        return self.balance - outstanding

    def patient_due_at(self, moment: datetime) -> Decimal:
        """What the patient owed at `moment`, from the entries posted by then."""
        before = [event for event in self.events if event.at <= moment]
        balance = sum((event.amount for event in before), ZERO)
        insurer_paid = -sum((event.amount for event in before if event.kind == Kind.INSURANCE_PAYMENT), ZERO)
        outstanding = ZERO if self.settled else max(ZERO, self.third_party - insurer_paid)
        return balance - outstanding

    def post(self, event: Event) -> None:
        self.events.append(event)
        self.balance += event.amount
        if event.kind == Kind.INSURANCE_PAYMENT:
            self.insurer_paid -= event.amount
        if event.kind == Kind.PATIENT_PAYMENT:
            self.patient_paid -= event.amount


class RowWriter:
    """Rows of one model given by column (attname) names, written by COPY on PostgreSQL and INSERT elsewhere.

    Every row of one writer names the same columns in the same order: the first row fixes them.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.names: tuple[str, ...] = ()
        self.rows: list[tuple[Any, ...]] = []

    def add(self, **values: Any) -> None:
        names = tuple(values)
        if not self.names:
            self.names = names
        elif names != self.names:
            raise ValueError(f"{self.model.__name__} row names {names}, not {self.names}.")
        self.rows.append(tuple(values.values()))

    def _completed(self) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """The names and rows with every NOT NULL column the rows leave out filled as Django would fill it on a
        save: its default ("" for text, {} for a JSON map), and an auto_now time from the row's `created_at`. So a
        column an app adds later does not break the seed with a NULL."""
        left_out = [
            column
            for column in self.model._meta.concrete_fields
            if column.attname not in self.names and not column.primary_key and not column.null
        ]
        if not left_out:
            return self.names, self.rows
        created = self.names.index("created_at") if "created_at" in self.names else None
        # The defaults are the same for every row (computed once); only an auto_now time follows the row.
        automatic = [bool(getattr(c, "auto_now", False) or getattr(c, "auto_now_add", False)) for c in left_out]
        defaults = tuple(None if auto else c.get_default() for c, auto in zip(left_out, automatic, strict=True))
        if any(automatic):
            now = timezone.now()
            rows = [
                (
                    *row,
                    *(
                        (row[created] if created is not None else now) if auto else default
                        for auto, default in zip(automatic, defaults, strict=True)
                    ),
                )
                for row in self.rows
            ]
        else:
            rows = [row + defaults for row in self.rows]
        return (*self.names, *(column.attname for column in left_out)), rows

    def flush(self) -> int:
        if not self.rows:
            return 0
        names, self.rows = self._completed()
        fields = [self.model._meta.get_field(name) for name in names]
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(
            connection.ops.quote_name(str(getattr(f, "column", name))) for f, name in zip(fields, names, strict=True)
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
                # Rows share their JSON values (the seller, a patient's buyer details, the {} default): each is
                # encoded once per flush, by identity (the rows keep every value alive until the flush ends).
                encoded: dict[int, str] = {}
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        if json_columns:
                            values = list(row)
                            for i in json_columns:
                                value = values[i]
                                text = encoded.get(id(value))
                                if text is None:
                                    text = encoded[id(value)] = json.dumps(value)
                                values[i] = text
                            row = tuple(values)
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                prepared = [
                    tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))  # type: ignore[union-attr]
                    for row in self.rows
                ]
                sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from model meta
                for start in range(0, len(prepared), 2000):
                    cursor.executemany(sql, prepared[start : start + 2000])
        written = len(self.rows)
        self.rows = []
        return written


class Ids:
    """Primary keys allocated ahead of the inserts, continuing after what the tables already hold."""

    def __init__(self, models_: Iterable[type[models.Model]]) -> None:
        self.next: dict[type[models.Model], int] = {
            model: (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1 for model in models_
        }

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit doubled, its two digits summed


def luhn_check_digit(base: str) -> str:
    """The Luhn (MOD10) check digit appended to the digits `base`: what stdnum's luhn.calc_check_digit gives."""
    total = 0
    for position, digit in enumerate(reversed(base)):
        value = ord(digit) - 48
        total += _LUHN_DOUBLED[value] if position % 2 == 0 else value
    return str(-total % 10)
