"""A real worker on Redis killed the moment a notice leaves (issue 20): each reminder still goes out once.

The worker's mail backend (tests/celery/dying_mail.py) logs each message's Message-ID and then kills its own
process with SIGKILL, before the send is recorded or the task acknowledged, as many times as the kill file
says. A new worker takes over after each death. Short limits (given to the workers through the environment)
let a killed claim age into "outcome unknown" within seconds instead of minutes.
"""

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from tests.celery.test_worker import PROJECT_ROOT, REDIS_URL, WORKER_CLOCK, _redis_answers

pytestmark = [
    pytest.mark.celery,
    pytest.mark.clock_sensitive,
    pytest.mark.skipif(not _redis_answers(), reason=f"no Redis answers at {REDIS_URL} (CELERY_TEST_REDIS_URL)"),
]

# Where a notice may end up once the workers are done with it: letters wait for the day's print batch.
SETTLED = {"sent", "skipped", "uncertain", "to_print"}
KILLS = 3
OVERDUE = 60
DEADLINE_SECONDS = 150
# Overdue invoices besides the demo data's few, their patients on e-mail, SMS and letter in turn.
MORE_OVERDUE = f"""
from datetime import timedelta
from django.utils import timezone
from invoices import services
from tests.factories import PatientFactory, draft_invoice
issued = timezone.localdate() - timedelta(days=30)
for number in range({OVERDUE}):
    patient = PatientFactory(
        preferred_channel=("email", "sms", "letter")[number % 3],
        address_line="Storgata 5", postal_code="0155", city="Oslo",
    )
    draft = draft_invoice(patient, lines=[("GP1", "Consultation", "1", "300.00", "patient")])
    services.invoice_issue(invoice_id=draft.pk, by=None, today=issued)
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dying-worker")


@pytest.fixture(scope="module")
def env(folder: Path) -> dict[str, str]:
    queue = f"clinic-billing-test-{uuid.uuid4().hex}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "DJANGO_", "EMAIL_", "REMINDER_", "SMS_")) and key != "DEBUG"
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'worker.sqlite3'}",
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_RESULT_BACKEND=REDIS_URL,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        TEST_WORKER_CLOCK=WORKER_CLOCK,
        EMAIL_BACKEND="tests.celery.dying_mail.EmailBackend",
        TEST_MAIL_LOG=str(folder / "mail.log"),
        TEST_KILL_FILE=str(folder / "kills"),
        SMS_OUTBOX=str(folder / "sms.log"),
        REMINDER_SEND_SOFT_TIME_LIMIT="3",
        REMINDER_SEND_TIME_LIMIT="4",
        CELERY_VISIBILITY_TIMEOUT="8",
        REMINDER_UNCERTAIN_AFTER="6",
        REMINDER_REDISPATCH_AFTER="5",
    )
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"], ["shell", "-c", MORE_OVERDUE]):
        subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
            [sys.executable, "manage.py", *command], cwd=PROJECT_ROOT, env=env, check=True, timeout=180
        )
    return env


@pytest.fixture(scope="module")
def client_app() -> Iterator[Celery]:
    app = Celery("clinic-billing-test-client", broker=REDIS_URL, backend=REDIS_URL)
    yield app
    app.close()


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
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


def _statuses(database: Path) -> dict[int, tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return {
            reminder_id: (status, channel)
            for reminder_id, status, channel in connection.execute(
                "SELECT id, status, channel FROM patient_collections_reminder"
            )
        }


def test_a_worker_killed_as_each_notice_leaves_sends_every_reminder_once(
    env: dict[str, str], folder: Path, client_app: Celery
):
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    log = folder / "worker.log"
    (folder / "kills").write_text(str(KILLS))
    queue = env["CELERY_TASK_DEFAULT_QUEUE"]
    worker = _start_worker(env, log)
    deaths = 0
    try:
        client_app.send_task("patient_collections.tasks.sweep_reminders", queue=queue)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                deaths += 1  # killed as a notice left: the next worker takes over
                worker = _start_worker(env, log)
            statuses = _statuses(database)
            if statuses and all(status in SETTLED for status, _ in statuses.values()):
                break
            # Beat's minute dispatcher, sooner: it ages the dead claims and republishes what waits.
            client_app.send_task("patient_collections.tasks.dispatch_reminders", queue=queue)
            time.sleep(2)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=15)

    statuses = _statuses(database)
    by_status = Counter(status for status, _ in statuses.values())
    mailed = Counter((folder / "mail.log").read_text().split())
    print(f"{len(statuses)} reminders, {deaths} worker(s) killed, {dict(by_status)}, {sum(mailed.values())} e-mails")
    assert deaths == KILLS, log.read_text()
    assert set(by_status) <= SETTLED, log.read_text()  # none lost in queued or sending
    assert [message_id for message_id, times in mailed.items() if times > 1] == []  # none sent twice
    # The killed sends left once and nobody can know it: those, and only those, are for staff to confirm.
    assert by_status["uncertain"] == KILLS
    for reminder_id, (status, channel) in statuses.items():
        if channel == "email" and status in ("sent", "uncertain"):
            assert mailed[f"<reminder-{reminder_id}@clinic.example>"] == 1
    sms = (folder / "sms.log").read_text() if (folder / "sms.log").exists() else ""
    sms_references = Counter(line.split()[2] for line in sms.splitlines() if line.startswith("--- "))
    assert [reference for reference, times in sms_references.items() if times > 1] == []
