"""Reports read from a replica when there is one; everything else, and every write, uses the primary.

The reports (the aging report, the complaint report, their CSVs, the audit-log export) read many rows and
tolerate a replica's lag of a few seconds; the worklist, an account and an invoice stay on the primary because
staff act on what they see. A model says nothing about which page reads it, so the choice is made per request:
a report view runs inside `reading_reports()` (the `reads_reports` decorator), and while it runs the router
sends reads to the `reports` alias — when settings define one (REPORTS_DATABASE_URL) — and otherwise lets
Django read the primary. Writes always go to the primary, whatever the database the written object was read
from: a replica refuses them, and the read-audit rows a report page leaves are the access record.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models

REPORTS = "reports"

_reading_reports: ContextVar[bool] = ContextVar("reading_reports", default=False)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def reports_database() -> str:
    """The alias reports read: `reports` when settings define it, else the primary."""
    return REPORTS if REPORTS in settings.DATABASES else DEFAULT_DB_ALIAS


@contextmanager
def reading_reports() -> Iterator[str]:
    """Within this block reads go to the reports database (the primary when there is none); yields its alias."""
    token = _reading_reports.set(True)
    try:
        yield reports_database()
    finally:
        _reading_reports.reset(token)


def reads_reports(view: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a report view, its template included, with its reads on the reports database."""

    @wraps(view)
    def on_reports_database(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with reading_reports():
            return view(*args, **kwargs)

    return on_reports_database


class ReportsRouter:
    """Reads inside `reading_reports()` go to `reports` if configured; writes and migrations to the primary."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        if _reading_reports.get():
            return reports_database()
        # None: Django reads where a related object came from, else the primary.
        return None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        # Named, not None: left to Django, a write of an object read from the replica would go back to it.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: an object read from either may refer to one read from the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPORTS}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # A physical replica replays the primary's migrations; it cannot run its own.
        if db == REPORTS:
            return False
        return None
