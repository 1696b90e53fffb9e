"""What the real-worker tests share: a worker process on its own database file, queue and pinned clock.

A worker is a separate process, so it cannot see the test's own database (in memory on SQLite, inside an
uncommitted transaction on PostgreSQL). It gets a database file of its own, migrated and seeded through
`manage.py`, and the test reads that same file, so what the test sees is what the worker committed.

The worker and the seeding run on a pinned clock (TEST_WORKER_CLOCK, a Wednesday morning in Oslo): a real
process cannot be pinned from the test, and on the wall clock the SMS notices would wait for the contact hours
every evening and weekend (tests/patient_collections prove that they do). The test process itself reads no
clock but time.monotonic, so these tests are not marked clock_sensitive.
"""

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest
import redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKER_CLOCK = "2026-03-04T10:00:00+01:00"
# Where a notice may end up once the workers are done with it: letters wait for the day's print batch.
SETTLED = frozenset({"sent", "skipped", "uncertain", "to_print"})
# Settings the worker must take from this harness or from the project's defaults, never from the developer's
# shell: an exported EMAIL_BACKEND or SMS_BACKEND would change what a send does, a REMINDER_ limit its timing.
_NOT_INHERITED = ("DATABASE_", "CELERY_", "DJANGO_", "EMAIL_", "SMS_", "REMINDER_")


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


requires_redis = pytest.mark.skipif(
    not _redis_answers(), reason=f"no Redis answers at {REDIS_URL} (CELERY_TEST_REDIS_URL)"
)


class ReminderRow(NamedTuple):
    invoice_id: int
    status: str
    channel: str


def private_queue() -> str:
    """A queue of its own, so parallel test runs sharing this Redis never take each other's tasks."""
    return f"clinic-billing-test-{uuid.uuid4().hex}"


def worker_environment(folder: Path, queue: str, **overrides: str) -> dict[str, str]:
    """The environment for `manage.py` and the worker: this process's, without the settings the harness owns,
    a SQLite file in `folder`, Redis as broker and result backend, `queue` for every task (the ones the worker
    enqueues itself too), DEBUG on so that the pinned clock is honoured, then `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_NOT_INHERITED) and key != "DEBUG"}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'worker.sqlite3'}",
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_RESULT_BACKEND=REDIS_URL,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        TEST_WORKER_CLOCK=WORKER_CLOCK,
    )
    env.update(overrides)
    return env


def prepare_database(env: dict[str, str], *extra_commands: list[str]) -> Path:
    """Migrate and seed the worker's database, run each of `extra_commands` (`manage.py` arguments) on it,
    and return the database file's path."""
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"], *extra_commands):
        subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
            [sys.executable, "manage.py", *command], cwd=PROJECT_ROOT, env=env, check=True, timeout=180
        )
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a worker on the environment's queue; its output is appended to `log`, so the log of a worker
    that replaces a dead one follows its predecessor's."""
    with log.open("a") as log_file:
        return subprocess.Popen(  # noqa: S603 - fixed arguments, this interpreter
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
                env["CELERY_TASK_DEFAULT_QUEUE"],
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Stop a worker (a dead one too): a warm shutdown first, a kill if it does not end within 15 seconds."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def reminder_statuses(database: Path) -> dict[int, ReminderRow]:
    """Every reminder in the worker's database by id, as committed there."""
    with sqlite3.connect(database) as connection:
        return {
            reminder_id: ReminderRow(invoice_id, status, channel)
            for reminder_id, invoice_id, status, channel in connection.execute(
                "SELECT id, invoice_id, status, channel FROM patient_collections_reminder ORDER BY id"
            )
        }
