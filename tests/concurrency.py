"""Shared by the PostgreSQL concurrency tests: run calls at the same moment, and only on PostgreSQL.

SQLite's test database is shared memory, where concurrent writers meet table locks no busy timeout waits
for; tests/invoices/test_sqlite_concurrency.py runs the same kind of storm against a SQLite file instead.
"""

import os
import threading
from collections.abc import Callable

import pytest
from django.db import connections

# Decided before the database is set up, so a skipped run on SQLite flushes nothing; serialized rollback
# restores the roles and the policy the data migrations seeded once a transactional test has flushed them.
POSTGRESQL_ONLY = [
    pytest.mark.postgresql,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locking (SELECT … FOR UPDATE) is only meaningful on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_together(calls: list[Callable[[], object]], timeout: float = 60) -> list[object]:
    """Start every call at the same moment, each in its own thread and database connection.

    Each result is what the call returned, or the exception it raised.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
