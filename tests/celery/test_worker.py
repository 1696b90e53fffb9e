"""A real Celery worker, a real Redis and a real database: the nightly ledger check runs end to end.

The worker is a separate process, so it cannot see the test's own database (in memory on SQLite, inside an
uncommitted transaction on PostgreSQL). It gets a database file of its own, migrated and seeded through
`manage.py`, and the test reads and tampers with that same file, so what the worker reports is what is
committed there. Redis carries the task and, for this test only, the result.

The worker and the seeding run on a pinned clock (TEST_WORKER_CLOCK, a Wednesday morning in Oslo): a real
process cannot be pinned from here, and on the wall clock the SMS notices would wait for the contact hours
every evening and weekend (tests/patient_collections prove that they do).
"""

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TASK = "invoices.tasks.ledger_verify_all"
RESULT_TIMEOUT_SECONDS = 60
WORKER_CLOCK = "2026-03-04T10:00:00+01:00"
FINAL_STATUSES = {"sent", "skipped", "uncertain"}


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.celery,
    pytest.mark.clock_sensitive,
    pytest.mark.skipif(not _redis_answers(), reason=f"no Redis answers at {REDIS_URL} (CELERY_TEST_REDIS_URL)"),
]


@pytest.fixture(scope="module")
def worker_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("celery-worker")


@pytest.fixture(scope="module")
def worker_env(worker_folder: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "DJANGO_")) and key != "DEBUG"
    }
    env.update(
        DATABASE_URL=f"sqlite:///{worker_folder / 'worker.sqlite3'}",
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_RESULT_BACKEND=REDIS_URL,
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        TEST_WORKER_CLOCK=WORKER_CLOCK,
    )
    return env


@pytest.fixture(scope="module")
def seeded_database(worker_env: dict[str, str]) -> Path:
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
            [sys.executable, "manage.py", *command], cwd=PROJECT_ROOT, env=worker_env, check=True, timeout=180
        )
    return Path(worker_env["DATABASE_URL"].removeprefix("sqlite:///"))


@pytest.fixture(scope="module")
def queue() -> str:
    # A queue of its own, so parallel test runs sharing this Redis never take each other's tasks.
    return f"clinic-billing-test-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def worker(worker_env: dict[str, str], seeded_database: Path, queue: str, worker_folder: Path) -> Iterator[Path]:
    log = worker_folder / "worker.log"
    # Tasks the worker enqueues itself (a sweep's sends) go to the same private queue.
    worker_env = {**worker_env, "CELERY_TASK_DEFAULT_QUEUE": queue}
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, this interpreter
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinic_billing",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--queues",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=PROJECT_ROOT,
            env=worker_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            yield log
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


@pytest.fixture(scope="module")
def client_app() -> Iterator[Celery]:
    app = Celery("clinic-billing-test-client", broker=REDIS_URL, backend=REDIS_URL)
    yield app
    app.close()


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


def _reminder_rows(database: Path) -> list[tuple[int, int, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT id, invoice_id, status FROM patient_collections_reminder ORDER BY id"
        ).fetchall()


def _wait_until_sent(database: Path, log: Path) -> list[tuple[int, int, str]]:
    deadline = time.monotonic() + RESULT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        rows = _reminder_rows(database)
        if rows and all(status in FINAL_STATUSES for _, _, status in rows):
            return rows
        time.sleep(0.5)
    raise AssertionError(f"reminders still queued or sending; the worker's log:\n{log.read_text()}")


def test_a_sweep_on_a_real_worker_sends_each_reminder_once_even_when_redelivered(
    worker: Path, client_app: Celery, queue: str, seeded_database: Path
):
    queued = _run_on_worker(client_app, queue, worker, task="patient_collections.tasks.sweep_reminders")
    assert isinstance(queued, int) and queued > 0  # the demo data has overdue invoices
    rows = _wait_until_sent(seeded_database, worker)
    assert len(rows) == queued
    # At ten on a Wednesday every channel may be used, and the console mail backend never fails.
    assert "uncertain" not in {status for _, _, status in rows}

    # A redelivered send and a second sweep on the same day change nothing.
    first_id = rows[0][0]
    assert _run_on_worker(
        client_app, queue, worker, task="patient_collections.tasks.send_reminder", args=(first_id,)
    ) in (
        "sent",
        "skipped",
    )
    assert _run_on_worker(client_app, queue, worker, task="patient_collections.tasks.sweep_reminders") == 0
    assert _reminder_rows(seeded_database) == rows
    assert _run_on_worker(client_app, queue, worker) == 0  # the fees posted keep the ledger exact
