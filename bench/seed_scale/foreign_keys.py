"""Foreign keys checked once, set-based, after the bulk writes instead of row by row at commit.

Django declares PostgreSQL foreign keys DEFERRABLE INITIALLY DEFERRED, so each row the seed copies in queues a
check that runs at commit: at 2,000,000 invoices about 15 million checks, a queue that grows the server process
by gigabytes and minutes of work after the last row is written. While the seed writes, its transaction switches
off only those insert checks (PostgreSQL's internal RI_FKey_check_ins triggers) on the tables it writes; then it
switches them on again and looks for a row whose key names no parent with one anti-join per foreign key, before the
transaction commits. Every other trigger (the ledger's guards) stays on. Switching an internal trigger off needs
a superuser; without one the seed leaves the checks as they are.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import connection


def _insert_checks(tables: list[str]) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.tgrelid::regclass::text, t.tgname
            FROM pg_trigger t JOIN pg_constraint c ON c.oid = t.tgconstraint
            WHERE t.tgisinternal AND c.contype = 'f' AND t.tgfoid = 'pg_catalog."RI_FKey_check_ins"'::regproc
              AND t.tgrelid = ANY(%s::regclass[])
            ORDER BY 1, 2
            """,
            [tables],
        )
        return [(table, name) for table, name in cursor.fetchall()]


def _orphans(tables: list[str]) -> list[str]:
    """The foreign keys of `tables` (one column each, as Django makes them) that some row breaks."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, f.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) AND cardinality(c.conkey) = 1
            ORDER BY 2, 1
            """,
            [tables],
        )
        keys = cursor.fetchall()
        broken = []
        for name, table, column, parent, parent_column in keys:
            q = connection.ops.quote_name
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {table} c WHERE c.{q(column)} IS NOT NULL AND NOT EXISTS "  # noqa: S608 - names from the catalogue
                f"(SELECT 1 FROM {parent} p WHERE p.{q(parent_column)} = c.{q(column)}))"
            )
            if cursor.fetchone()[0]:
                broken.append(f"{name} ({table}.{column} → {parent})")
        return broken


@contextmanager
def foreign_keys_checked_after(tables: Iterable[str]) -> Iterator[None]:
    """Within a transaction on PostgreSQL: the insert checks of `tables`' foreign keys off while the body writes,
    then one check per foreign key over the whole tables; raises CommandError (rolling the seed back) if one
    fails. Elsewhere, or without a superuser, the body runs with the checks as they are."""
    names = list(tables)
    checks: list[tuple[str, str]] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            if cursor.fetchone()[0]:
                checks = _insert_checks(names)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, trigger in checks:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {quote(trigger)}")
    yield
    if not checks:
        return
    with connection.cursor() as cursor:
        for table, trigger in checks:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {quote(trigger)}")
    broken = _orphans(names)
    if broken:
        raise CommandError(f"Rows name a parent that does not exist: {', '.join(broken)}.")
