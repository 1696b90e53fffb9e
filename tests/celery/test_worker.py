"""A real Celery worker, a real Redis and a real database: the nightly ledger check runs end to end.

The worker runs on a database file of its own, migrated and seeded through `manage.py`, on a pinned clock
(tests/celery/worker_harness.py); the test reads and tampers with that same file, so what the worker reports
is what is committed there. Redis carries the task and, for this test only, the result.
"""

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from tests.celery.worker_harness import (
    SETTLED,
    ReminderRow,
    prepare_database,
    private_queue,
    reminder_statuses,
    requires_redis,
    start_worker,
    stop_worker,
    worker_environment,
)

pytestmark = [pytest.mark.celery, requires_redis]

TASK = "invoices.tasks.ledger_verify_all"
RESULT_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def worker_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("celery-worker")


@pytest.fixture(scope="module")
def queue() -> str:
    return private_queue()


@pytest.fixture(scope="module")
def worker_env(worker_folder: Path, queue: str) -> dict[str, str]:
    return worker_environment(worker_folder, queue)


@pytest.fixture(scope="module")
def seeded_database(worker_env: dict[str, str]) -> Path:
    return prepare_database(worker_env)


@pytest.fixture(scope="module")
def worker(worker_env: dict[str, str], seeded_database: Path, worker_folder: Path) -> Iterator[Path]:
    log = worker_folder / "worker.log"
    process = start_worker(worker_env, log)
    try:
        yield log
    finally:
        stop_worker(process)


def _run_on_worker(app: Celery, queue: str, log: Path, task: str = TASK, args: tuple = ()) -> object:
    result = app.send_task(task, args=args, queue=queue)
    try:
        return result.get(timeout=RESULT_TIMEOUT_SECONDS)
    except Exception as exc:
        raise AssertionError(f"the worker did not finish {task}; its log:\n{log.read_text()}") from exc
    finally:
        result.forget()


def test_it_verifies_the_ledger_on_a_real_worker(worker: Path, client_app: Celery, queue: str):
    assert _run_on_worker(client_app, queue, worker) == 0

    assert f"Task {TASK}[" in worker.read_text()


def test_it_reports_a_tampered_balance_from_a_real_worker(
    worker: Path, client_app: Celery, queue: str, seeded_database: Path
):
    tamper = (
        "UPDATE invoices_invoice SET balance = balance {sign} 10 WHERE id = "
        "(SELECT MIN(id) FROM invoices_invoice WHERE status = 'issued')"
    )
    with sqlite3.connect(seeded_database) as connection:
        assert connection.execute(tamper.format(sign="+")).rowcount == 1
    try:
        assert _run_on_worker(client_app, queue, worker) == 1
        assert "ledger mismatch on invoice id=" in worker.read_text()
    finally:
        with sqlite3.connect(seeded_database) as connection:
            connection.execute(tamper.format(sign="-"))


def _wait_until_settled(database: Path, log: Path) -> dict[int, ReminderRow]:
    deadline = time.monotonic() + RESULT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        rows = reminder_statuses(database)
        if rows and all(row.status in SETTLED for row in rows.values()):
            return rows
        time.sleep(0.5)
    raise AssertionError(f"reminders still queued or sending; the worker's log:\n{log.read_text()}")


def test_a_sweep_on_a_real_worker_sends_each_reminder_once_even_when_redelivered(
    worker: Path, client_app: Celery, queue: str, seeded_database: Path
):
    queued = _run_on_worker(client_app, queue, worker, task="patient_collections.tasks.sweep_reminders")
    assert isinstance(queued, int) and queued > 0  # the demo data has overdue invoices
    rows = _wait_until_settled(seeded_database, worker)
    assert len(rows) == queued
    # At ten on a Wednesday every channel may be used, and the console mail backend never fails.
    assert "uncertain" not in {row.status for row in rows.values()}

    # A redelivered send and a second sweep on the same day change nothing.
    first_id = min(rows)
    assert _run_on_worker(
        client_app, queue, worker, task="patient_collections.tasks.send_reminder", args=(first_id,)
    ) in (
        "sent",
        "skipped",
    )
    assert _run_on_worker(client_app, queue, worker, task="patient_collections.tasks.sweep_reminders") == 0
    assert reminder_statuses(seeded_database) == rows
    assert _run_on_worker(client_app, queue, worker) == 0  # the fees posted keep the ledger exact
