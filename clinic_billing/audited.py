"""Bulk writes of audited models leave the same trace in the audit log as one-by-one saves.

django-auditlog listens to `post_save` and `post_delete`. `QuerySet.update()`, `bulk_update()` and
`bulk_create()` send neither, so they would change audited rows without a trace. Every audited model's
manager is built on `AuditedQuerySet`, whose `update()` and `bulk_create()` (and so `bulk_update()`) write
one auditlog `LogEntry` per affected row, with the changed fields (auditlog's own diff, so excluded and
masked fields stay out) and the actor and address that auditlog's context gives a saved entry, in a single
`bulk_create` of entries per call:

- `update(**values)` reads the matching rows under `select_for_update` (in pk order, so concurrent writers
  lock in the same order), updates exactly those rows, and logs old → new. Two queries more than a bare
  update (the read and the entries), three when a value is an expression and the new values are read back.
- `bulk_update(objs, fields)` is Django's: it runs one `update()` per batch (with a `Case` per field), so
  the audited `update()` logs it, reading the new values back: three queries more per batch.
- `bulk_create(objs)` logs the created rows: one query more. With `ignore_conflicts` the database does
  not return the new keys, so the rows already present under the model's unique key are read before and
  after the insert and only the new ones are logged: three queries more, whatever the batch size.
  `update_conflicts` (an upsert) is refused: nothing in the app needs it, and what it changed cannot be told.

`QuerySet.delete()` needs nothing here: Django's deletion collector sends `post_delete` for every row of a
model that has receivers, and auditlog's receiver logs each one (tests/audit/test_bulk_writes.py proves it
for every audited model). `disable_auditlog()` is honoured as auditlog honours it for saves.
"""

import contextlib
import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, get_fields_in_model, get_mask_function, is_primitive
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

_M = TypeVar("_M", bound=models.Model)


class UnauditedBulkWrite(Exception):
    """A bulk write whose effect on audited rows cannot be written to the audit log."""


def _logging_disabled() -> bool:
    return auditlog_disabled.get()


def _entry(obj: models.Model, action: int, changes: dict[str, Any] | None) -> LogEntry:
    pk = obj.pk
    get_additional_data = getattr(obj, "get_additional_data", None)
    return LogEntry(
        content_type=ContentType.objects.get_for_model(obj),
        object_pk=smart_str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=smart_str(obj),
        action=action,
        changes=changes,
        additional_data=get_additional_data() if callable(get_additional_data) else None,
        cid=get_cid(),
    )


def log_bulk_changes(
    pairs: Iterable[tuple[models.Model | None, models.Model | None]],
    *,
    action: int,
    fields: Sequence[str] | None = None,
) -> int:
    """Write one audit entry per (old, new) pair that differs, in one insert. Returns how many were written.

    The changes are auditlog's `model_instance_diff` of each pair; the fields it compares, their kinds and masks
    are worked out once per model and call (`_Differ`), not once per row.
    """
    differs: dict[tuple[type[models.Model], bool, bool], _Differ] = {}
    subjects: list[tuple[models.Model, dict[str, Any]]] = []
    for old, new in pairs:
        subject = new if new is not None else old
        if subject is None:
            continue
        # model_instance_diff picks other fields when a side is missing: one differ per model and shape.
        shape = (type(subject), old is None, new is None)
        differ = differs.get(shape)
        if differ is None:
            differ = differs[shape] = _Differ(old, new, fields)
        changes = differ.changes(old, new)
        if changes:
            subjects.append((subject, changes))
    return _insert_entries(subjects, action)


class _Differ:
    """auditlog's `model_instance_diff` for many pairs of one model: the same fields, in the same order, compared
    and masked the same way, with what depends only on the model (and `fields_to_check`) decided once.

    Built from a first pair as `model_instance_diff` would pick its fields for it; every later pair must be of
    the same model with None on the same side.
    """

    def __init__(self, old: models.Model | None, new: models.Model | None, fields_to_check: Sequence[str] | None):
        from auditlog.registry import auditlog

        self.use_json = bool(getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False))
        sample = new if new is not None else old
        assert sample is not None
        if old is not None and new is not None:
            fields = set(old._meta.fields + new._meta.fields)
        else:
            fields = set(get_fields_in_model(sample))
        model_fields = auditlog.get_model_fields(sample._meta.model)
        # The rest is model_instance_diff's own choice of fields, step by step, so the order is its order too.
        if fields_to_check:
            fields = {
                field
                for field in fields
                if (isinstance(field, models.ForeignKey) and field.attname in fields_to_check)
                or (field.name in fields_to_check)
            }
        chosen: Iterable[Any] = fields
        if model_fields and (model_fields["include_fields"] or model_fields["exclude_fields"]) and fields:
            if model_fields["include_fields"]:
                chosen = [field for field in fields if field.name in model_fields["include_fields"]]
            if model_fields["exclude_fields"]:
                chosen = [field for field in chosen if field.name not in model_fields["exclude_fields"]]
        masked = set(model_fields["mask_fields"]) if model_fields else set()
        mask = get_mask_function(model_fields.get("mask_callable")) if masked else None
        self.fields = [(field, _kind(field), mask if field.name in masked else None) for field in chosen]
        # What get_field_value gives for a missing side (a created or deleted row): the same for every row.
        self.absent = {field.name: get_field_value(None, field, self.use_json) for field, _, _ in self.fields}

    def changes(self, old: models.Model | None, new: models.Model | None) -> dict[str, Any] | None:
        return self.changes_from_values(old, None if old is None else {}, new)

    def changes_from_values(
        self, old: models.Model | None, old_values: Mapping[str, Any] | None, new: models.Model | None
    ) -> dict[str, Any] | None:
        """The diff of `old` (or, for the names `old_values` gives, those values) and `new`."""
        use_json = self.use_json
        diff: dict[str, Any] = {}
        for field, kind, mask in self.fields:
            name = field.name
            if old_values is None:
                old_value = self.absent[name]
            elif name in old_values or field.attname in old_values:
                value = old_values[name] if name in old_values else old_values[field.attname]
                if kind == _KEY and isinstance(value, models.Model):
                    value = value.pk  # set by name, a related object stands for its key
                try:
                    old_value = _converted(field, kind, value, use_json)
                except _Unreadable:
                    old_copy = copy.copy(old)
                    setattr(old_copy, name if name in old_values else field.attname, value)
                    old_value = get_field_value(old_copy, field, use_json)
            else:
                old_value = _value(old, field, kind, use_json)
            new_value = self.absent[name] if new is None else _value(new, field, kind, use_json)
            if old_value != new_value:
                if mask is not None:
                    diff[name] = (mask(smart_str(old_value)), mask(smart_str(new_value)))
                elif not use_json:
                    diff[name] = (smart_str(old_value), smart_str(new_value))
                else:
                    diff[name] = (
                        old_value if is_primitive(old_value) else smart_str(old_value),
                        new_value if is_primitive(new_value) else smart_str(new_value),
                    )
        return diff or None


_DATETIME, _JSON, _KEY, _PLAIN = range(4)


def _kind(field: Any) -> int:
    """Which branch of auditlog's get_field_value reads the field."""
    if isinstance(field, models.DateTimeField):
        return _DATETIME
    if isinstance(field, models.JSONField):
        return _JSON
    if (
        not getattr(settings, "AUDITLOG_USE_FK_STRING_REPRESENTATION", False)
        and (field.one_to_one or field.many_to_one)
        and hasattr(field, "rel_class")
    ):
        return _KEY
    return _PLAIN


class _Unreadable(Exception):
    pass


def _value(obj: models.Model | None, field: Any, kind: int, use_json: bool) -> Any:
    """auditlog's get_field_value(obj, field)."""
    try:
        raw = getattr(obj, field.get_attname() if kind == _KEY else field.name)
        return _converted(field, kind, raw, use_json)
    except (ObjectDoesNotExist, AttributeError, _Unreadable):
        return get_field_value(obj, field, use_json)


def _converted(field: Any, kind: int, value: Any, use_json: bool) -> Any:
    """get_field_value's value of a field whose attribute holds `value` (raises _Unreadable where it would read
    the field's default instead)."""
    try:
        if kind == _DATETIME:
            try:
                value = field.to_python(value)
            except TypeError:
                return value
            if value is not None and settings.USE_TZ and not timezone.is_naive(value):
                value = timezone.make_naive(value, timezone=UTC)
            return value
        if kind == _JSON:
            value = field.to_python(value)
            if not use_json:
                with contextlib.suppress(TypeError):
                    value = json.dumps(value, sort_keys=True, cls=field.encoder)
            return value
        if kind == _KEY:
            return smart_str(value, strings_only=True)
        if not use_json:
            value = smart_str(value)
            if type(value).__name__ == "__proxy__":
                value = str(value)
        return value
    except (ObjectDoesNotExist, AttributeError) as unreadable:
        raise _Unreadable from unreadable


def _exact_json(value: Any) -> str:
    """A value JSON has no type for, as the text PostgreSQL reads back to the same value (TypeError for others)."""
    if isinstance(value, Decimal | datetime | date | time | UUID):
        return value.isoformat() if isinstance(value, datetime | date | time) else str(value)
    raise TypeError(type(value).__name__)


# The columns an entry of a bulk write or read fills from its object; the rest are the request's.
_PER_OBJECT_COLUMNS = ("content_type_id", "object_pk", "object_id", "object_repr", "additional_data")


def _insert_entries(subjects: Sequence[tuple[models.Model, dict[str, Any] | None]], action: int) -> int:
    """One entry of `action` per (object, changes), in one insert.

    The entries of one call differ only in the object they name and its changes: actor, address, port,
    correlation id and time are the request's. The rows go in as values, without a model instance or Django's
    insert compiler per row (a page of 25 rows spent more in those than in the rest of its queries)."""
    if not subjects:
        return 0
    # auditlog fills actor and address in a pre_save receiver connected while its context (request, set_actor) is
    # active; a bulk insert sends no pre_save, so it is sent once, to a template entry every row copies.
    template = _entry(subjects[0][0], action, None)
    using = router.db_for_write(LogEntry)
    pre_save.send(sender=LogEntry, instance=template, raw=False, using=using, update_fields=None)
    connection = connections[using]
    fields = [field for field in LogEntry._meta.concrete_fields if not field.primary_key]
    content_types: dict[type[models.Model], int] = {}
    rows = []
    for obj, changes in subjects:
        model = type(obj)
        content_type_id = content_types.get(model)
        if content_type_id is None:
            content_type_id = content_types[model] = ContentType.objects.get_for_model(obj).pk
        pk = obj.pk
        get_additional_data = getattr(obj, "get_additional_data", None)
        rows.append(
            {
                "content_type_id": content_type_id,
                "object_pk": smart_str(pk),
                "object_id": pk if isinstance(pk, int) else None,
                "object_repr": smart_str(obj),
                "additional_data": get_additional_data() if callable(get_additional_data) else None,
                "changes": changes,
            }
        )
    varying = (*_PER_OBJECT_COLUMNS, "changes")
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    if connection.vendor == "postgresql":
        constant = {
            field.attname: field.get_db_prep_save(getattr(template, field.attname), connection)
            for field in fields
            if field.attname not in varying
        }
        with connection.cursor() as cursor:
            cursor.execute(*_recordset_insert(table, fields, varying, constant, rows, connection))
    else:
        entries = []
        for row in rows:
            entry = copy.copy(template)
            for attname, value in row.items():
                setattr(entry, attname, value)
            entries.append(entry)
        LogEntry.objects.using(using).bulk_create(entries)
    return len(rows)


def _recordset_insert(
    table: str,
    fields: list[Any],
    varying: Sequence[str],
    constant: dict[str, Any],
    rows: list[dict[str, Any]],
    connection: Any,
) -> tuple[str, list[Any]]:
    """One INSERT … SELECT of the constant values beside the per-object columns read from one JSON array of rows:
    the text is the same whatever the number of rows, and the rows go over as one string that the JSON encoder
    writes in C (an array parameter per column is quoted element by element in Python)."""
    by_attname = {field.attname: field for field in fields}
    per_row = [by_attname[attname] for attname in varying]
    fixed = [field for field in fields if field.attname not in varying]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in [*fixed, *per_row])
    selected = ", ".join(
        [f"%s::{field.db_type(connection)}" for field in fixed] + [f"r.{quote(field.attname)}" for field in per_row]
    )
    record = ", ".join(f"{quote(field.attname)} {field.db_type(connection)}" for field in per_row)
    sql = f"INSERT INTO {table} ({columns}) SELECT {selected} FROM jsonb_to_recordset(%s::jsonb) AS r({record})"  # noqa: S608 - names from model meta
    params = [constant[field.attname] for field in fixed] + [
        json.dumps(rows, cls=LogEntry._meta.get_field("changes").encoder)
    ]
    return sql, params


def log_bulk_reads(objects: Iterable[models.Model]) -> int:
    """One audit ACCESS entry per object (who read it, from where), in one insert: for a document, list or
    export that shows many records at once. An object listed twice is logged once. Returns how many were
    written."""
    unique = {(type(obj), obj.pk): obj for obj in objects}
    return _insert_entries([(obj, None) for obj in unique.values()], LogEntry.Action.ACCESS)


def _unique_key(model: type[models.Model]) -> list[str]:
    """The attribute names of the model's first unconditional unique key other than the primary key."""
    meta = model._meta

    def attnames(names: Iterable[str]) -> list[str]:
        return [getattr(meta.get_field(name), "attname", name) for name in names]

    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and constraint.condition is None:
            return attnames(constraint.fields)
    for together in meta.unique_together:
        return attnames(together)
    for field in meta.concrete_fields:
        if field.unique and not field.primary_key:
            return [field.attname]
    raise UnauditedBulkWrite(f"{meta.label} has no unique key: bulk_create(ignore_conflicts=True) cannot be audited.")


class AuditedQuerySet(models.QuerySet[_M]):
    """A QuerySet whose bulk writes are written to the audit log (see the module docstring)."""

    def _locked_rows(self) -> list[_M]:
        """The rows this queryset would update, whole (for the audit diff), locked in primary key order."""
        model = self.model
        lock_of = ("self",) if connections[self.db].features.has_select_for_update_of else ()
        rows = model._base_manager.using(self.db).filter(pk__in=self.values("pk")).order_by("pk")
        return list(rows.select_for_update(of=lock_of))

    def update(self, **kwargs: Any) -> int:
        if _logging_disabled() or self.query.is_sliced:
            return super().update(**kwargs)  # Django refuses a sliced update itself
        with transaction.atomic(using=self.db, savepoint=False):
            old_rows = self._locked_rows()
            if not old_rows:
                return 0
            pks = [row.pk for row in old_rows]
            count = models.QuerySet.update(self.filter(pk__in=pks), **kwargs)
            if any(hasattr(value, "resolve_expression") for value in kwargs.values()):
                fresh = self.model._base_manager.using(self.db).in_bulk(pks)
                new_rows = [fresh[pk] for pk in pks if pk in fresh]
            else:
                if count < len(old_rows):
                    # A locked row stopped matching the filter while we waited for its lock (another
                    # transaction changed it): the update skipped it, so its entry must not be written.
                    updated = set(
                        self.model._base_manager.using(self.db)
                        .filter(pk__in=pks, **kwargs)
                        .values_list("pk", flat=True)
                    )
                    old_rows = [row for row in old_rows if row.pk in updated]
                new_rows = []
                for row in old_rows:
                    new = copy.copy(row)  # Django copies the state and the related-object cache too
                    for name, value in kwargs.items():
                        setattr(new, name, value)
                    new_rows.append(new)
            log_bulk_changes(zip(old_rows, new_rows, strict=True), action=LogEntry.Action.UPDATE, fields=list(kwargs))
        return count

    def update_locked_rows(
        self, rows: Sequence[_M], fields: Sequence[str], before: Mapping[Any, Mapping[str, Any]]
    ) -> int:
        """Write `fields` of `rows` in one UPDATE and log old → new, without reading the rows again.

        For a service that already holds the rows locked in its transaction and changed them in memory (a bank
        file's payments move many invoices' balances at once): `before` gives each row's values of `fields` as they
        were read under the lock, so the audit entries are what `update()` would write, at a third of the queries.
        """
        rows = [row for row in rows if row.pk is not None]
        if not rows:
            return 0
        with transaction.atomic(using=self.db, savepoint=False):
            count = self._update_from_recordset(rows, fields)
            if count is None:
                count = self._update_with_case(rows, fields)
            if not _logging_disabled():
                # The old side of each diff is the row with `before`'s values in place of its own: read from the
                # mapping, without a copy of the row.
                differ = _Differ(rows[0], rows[0], list(fields))
                subjects = []
                for row in rows:
                    changes = differ.changes_from_values(row, before[row.pk], row)
                    if changes:
                        subjects.append((row, changes))
                _insert_entries(subjects, LogEntry.Action.UPDATE)
        return count

    def _update_with_case(self, rows: Sequence[_M], fields: Sequence[str]) -> int:
        values: dict[str, Any] = {}
        for name in fields:
            distinct = {getattr(row, name) for row in rows}
            # One value for every row (a time stamp) is set as it is; a value per row goes through one CASE.
            values[name] = (
                distinct.pop()
                if len(distinct) == 1
                else models.Case(
                    *(models.When(pk=row.pk, then=models.Value(getattr(row, name))) for row in rows),
                    output_field=cast(models.Field, self.model._meta.get_field(name)),
                )
            )
        return models.QuerySet.update(self.filter(pk__in=[row.pk for row in rows]), **values)

    def _update_from_recordset(self, rows: Sequence[_M], fields: Sequence[str]) -> int | None:
        """On PostgreSQL, `UPDATE … FROM jsonb_to_recordset(%s)`: each row's values go over as one JSON string (the
        encoder writes it in C) and the statement's text is the same whatever the number of rows, where a CASE of
        a WHEN per row is built, compiled and quoted in Python. None where it does not apply (another database, a
        filtered queryset, a value JSON cannot carry exactly): the caller updates through the CASE."""
        connection = connections[self.db]
        if connection.vendor != "postgresql" or self.query.where:
            return None
        meta = self.model._meta
        targets: list[Any] = [meta.get_field(name) for name in fields]
        if any(not getattr(field, "concrete", False) or field.many_to_many for field in targets):
            return None
        names = [f"v{index}" for index in range(len(targets))]
        try:
            data = json.dumps(
                [
                    {
                        "pk": row.pk,
                        **{
                            name: field.get_db_prep_save(getattr(row, field.attname), connection)
                            for name, field in zip(names, targets, strict=True)
                        },
                    }
                    for row in rows
                ],
                default=_exact_json,
            )
        except TypeError:
            return None
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        record = ", ".join(
            [f"pk {cast(Any, meta.pk).rel_db_type(connection)}"]
            + [f"{name} {field.db_type(connection)}" for name, field in zip(names, targets, strict=True)]
        )
        assignments = ", ".join(f"{quote(field.column)} = r.{name}" for name, field in zip(names, targets, strict=True))
        sql = (
            f"UPDATE {table} SET {assignments} "  # noqa: S608 - names from model meta
            f"FROM jsonb_to_recordset(%s::jsonb) AS r({record}) WHERE {table}.{quote(cast(Any, meta.pk).column)} = r.pk"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [data])
            return cursor.rowcount

    def bulk_create(  # type: ignore[override]
        self,
        objs: Iterable[_M],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Sequence[str] | None = None,
        unique_fields: Sequence[str] | None = None,
    ) -> list[_M]:
        objs = list(objs)
        if _logging_disabled() or not objs:
            return super().bulk_create(
                objs, batch_size, ignore_conflicts, update_conflicts, update_fields, unique_fields
            )
        if update_conflicts:
            raise UnauditedBulkWrite(
                f"{self.model._meta.label}: bulk_create(update_conflicts=True) cannot be audited; save each row."
            )
        with transaction.atomic(using=self.db, savepoint=False):
            if ignore_conflicts:
                created = self._bulk_create_ignoring_conflicts(objs, batch_size)
            else:
                created = super().bulk_create(objs, batch_size)
            log_bulk_changes(((None, obj) for obj in created), action=LogEntry.Action.CREATE)
        return objs

    def _bulk_create_ignoring_conflicts(self, objs: list[_M], batch_size: int | None) -> list[_M]:
        """Insert, skipping rows whose unique key is taken; return the objects that were inserted, with pks."""
        key = _unique_key(self.model)

        def key_of(values: Iterable[Any]) -> tuple[Any, ...]:
            return tuple(values)

        if len(key) == 1:
            matching = Q(**{f"{key[0]}__in": {getattr(obj, key[0]) for obj in objs}})
        else:
            matching = Q()
            for obj in objs:
                matching |= Q(**{name: getattr(obj, name) for name in key})
        rows = self.model._base_manager.using(self.db).filter(matching)
        existing = {key_of(row[1:]) for row in rows.values_list("pk", *key)}
        super().bulk_create(objs, batch_size, ignore_conflicts=True)
        new_pks = {key_of(row[1:]): row[0] for row in rows.values_list("pk", *key) if key_of(row[1:]) not in existing}
        created = []
        for obj in objs:
            pk = new_pks.pop(key_of(getattr(obj, name) for name in key), None)
            if pk is not None:
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = self.db
                created.append(obj)
        return created
