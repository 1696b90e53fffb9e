"""The one way a status field changes: transitions declared once per model, a history row for every change.

A model with a lifecycle declares it as a class attribute::

    LIFECYCLE = Lifecycle(
        transitions={Status.DRAFT: {Status.ISSUED, Status.VOID}, Status.ISSUED: {Status.CREDITED}, ...},
        history="InvoiceStatusChange",   # a concrete StatusChange in the same app, FK named `subject`
        subject="invoice",
        refusal=_lazy("A %(from)s invoice cannot become %(to)s."),
    )

and its services move it with `transition(obj, to, by=..., reason=...)` (one row, already locked) or
`transition_rows(queryset, to, ...)` (a batch, as the sweeps do). Both check the table, save the status with
the fields named, and write who, when, from, to and why to the model's history table. Nothing else writes a
status field: `tests/test_lifecycle.py` fails on a hand-set `.status =` or `update(status=...)` in app code.

Each app keeps its own history table (a foreign key to the subject, removed with it), so no app writes
another app's rows and a data-protection export reads one table per subject.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from .exceptions import InvalidTransition

M = TypeVar("M", bound=Model)

REASON_LENGTH = 300


class StatusChange(models.Model):
    """A row of a lifecycle's history: the subject moved from one status to another, when, by whom and why.

    Abstract: each app declares its concrete table with a foreign key to the model it follows (the lifecycle's
    `subject`) and nothing else; it inherits this Meta and __str__."""

    from_status = models.CharField(max_length=15)
    to_status = models.CharField(max_length=15)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=REASON_LENGTH, blank=True)

    class Meta:
        abstract = True
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        subject = next(
            field for field in self._meta.concrete_fields if field.is_relation and field.name != "changed_by"
        )
        return f"{getattr(self, subject.attname)}: {self.from_status} → {self.to_status}"


@dataclass(frozen=True)
class Lifecycle:
    """The allowed transitions of one model's status field and where its history goes."""

    transitions: Mapping[str, Iterable[str]]
    history: str
    subject: str
    refusal: str | Promise
    status_field: str = "status"
    _table: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = {
            str(source): frozenset(str(target) for target in targets) for source, targets in self.transitions.items()
        }
        unknown = set().union(*table.values()) - set(table)
        if unknown:
            raise ValueError(f"Targets without their own row in the table: {sorted(unknown)}")
        object.__setattr__(self, "_table", table)

    def allows(self, from_status: str, to_status: str) -> bool:
        return to_status in self._table.get(str(from_status), frozenset())

    def targets(self, from_status: str) -> frozenset[str]:
        return self._table.get(str(from_status), frozenset())

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self._table)

    def history_model(self, model: type[Model]) -> type[StatusChange]:
        return apps.get_model(model._meta.app_label, self.history)  # type: ignore[return-value]


def lifecycle_of(model: type[Model]) -> Lifecycle:
    cycle = getattr(model, "LIFECYCLE", None)
    if not isinstance(cycle, Lifecycle):
        raise TypeError(f"{model.__name__} declares no LIFECYCLE")
    return cycle


def _label(model: type[Model], cycle: Lifecycle, status: str) -> str:
    choices = dict(model._meta.get_field(cycle.status_field).flatchoices)  # type: ignore[union-attr]
    return str(choices.get(status, status))


def refuse(model: type[Model], from_status: str, to_status: str) -> InvalidTransition:
    """The error for a transition the table does not allow, in the reader's language."""
    cycle = lifecycle_of(model)
    return InvalidTransition(
        str(cycle.refusal)
        % {
            "from": _label(model, cycle, from_status).lower(),
            "to": _label(model, cycle, to_status).lower(),
        }
    )


def may_transition(obj: Model, to_status: str) -> bool:
    """Whether the table allows `obj` to move to `to_status` now (pages ask this before showing a button)."""
    cycle = lifecycle_of(type(obj))
    return cycle.allows(getattr(obj, cycle.status_field), to_status)


def transition(obj: M, to_status: str, *, by: User | None, reason: str = "", extra_fields: Sequence[str] = ()) -> M:
    """Move one row (locked by the caller) to `to_status` if its table allows it; save the status and
    `extra_fields`; write the history row. Raises InvalidTransition otherwise."""
    model = type(obj)
    cycle = lifecycle_of(model)
    from_status = getattr(obj, cycle.status_field)
    if not cycle.allows(from_status, to_status):
        raise refuse(model, from_status, to_status)
    setattr(obj, cycle.status_field, to_status)
    obj.save(update_fields=[cycle.status_field, *extra_fields])
    cycle.history_model(model)._default_manager.create(
        **{f"{cycle.subject}_id": obj.pk},
        from_status=from_status,
        to_status=to_status,
        changed_at=timezone.now(),
        changed_by=by,
        reason=reason.strip()[:REASON_LENGTH],
    )
    return obj


def transition_rows(
    queryset: QuerySet[M], to_status: str, *, by: User | None = None, reason: str = "", **also: object
) -> list[int]:
    """Move every row of `queryset` whose table allows it to `to_status`, in one UPDATE, with one history row
    each: three queries whatever the count, plus the audit log's two for an audited model. Rows whose status
    does not allow the move are left as they are. Returns the ids moved. The caller filters (and locks, where
    it must) the rows it means."""
    model = queryset.model
    cycle = lifecycle_of(model)
    sources = [status for status in cycle.states if cycle.allows(status, to_status)]
    rows = list(queryset.filter(**{f"{cycle.status_field}__in": sources}).values_list("pk", cycle.status_field))
    if not rows:
        return []
    ids = [pk for pk, _status in rows]
    model._default_manager.filter(pk__in=ids).update(**{cycle.status_field: to_status}, **also)
    now = timezone.now()
    history = cycle.history_model(model)
    history._default_manager.bulk_create(
        history(
            **{f"{cycle.subject}_id": pk},
            from_status=from_status,
            to_status=to_status,
            changed_at=now,
            changed_by=by,
            reason=reason.strip()[:REASON_LENGTH],
        )
        for pk, from_status in rows
    )
    return ids
