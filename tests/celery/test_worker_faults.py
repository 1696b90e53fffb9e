"""A real worker on Redis killed the moment a notice leaves (issue 20): each reminder still goes out once.

The worker's mail backend (tests/celery/dying_mail.py) logs each message's Message-ID and then kills its own
process with SIGKILL, before the send is recorded or the task acknowledged, as many times as the kill file
says. A new worker takes over after each death. Short limits (given to the workers through the environment)
let a killed claim age into "outcome unknown" within seconds instead of minutes.
"""

import time
from collections import Counter
from pathlib import Path

import pytest
from celery import Celery

from tests.celery.worker_harness import (
    SETTLED,
    prepare_database,
    private_queue,
    reminder_statuses,
    requires_redis,
    start_worker,
    stop_worker,
    worker_environment,
)

pytestmark = [pytest.mark.celery, requires_redis]

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
    env = worker_environment(
        folder,
        private_queue(),
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
    prepare_database(env, ["shell", "-c", MORE_OVERDUE])
    return env


def test_a_worker_killed_as_each_notice_leaves_sends_every_reminder_once(
    env: dict[str, str], folder: Path, client_app: Celery
):
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    log = folder / "worker.log"
    (folder / "kills").write_text(str(KILLS))
    queue = env["CELERY_TASK_DEFAULT_QUEUE"]
    worker = start_worker(env, log)
    deaths = 0
    try:
        client_app.send_task("patient_collections.tasks.sweep_reminders", queue=queue)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                deaths += 1  # killed as a notice left: the next worker takes over
                worker = start_worker(env, log)
            statuses = reminder_statuses(database)
            if statuses and all(row.status in SETTLED for row in statuses.values()):
                break
            # Beat's minute dispatcher, sooner: it ages the dead claims and republishes what waits.
            client_app.send_task("patient_collections.tasks.dispatch_reminders", queue=queue)
            time.sleep(2)
    finally:
        stop_worker(worker)

    statuses = reminder_statuses(database)
    by_status = Counter(row.status for row in statuses.values())
    mailed = Counter((folder / "mail.log").read_text().split())
    print(f"{len(statuses)} reminders, {deaths} worker(s) killed, {dict(by_status)}, {sum(mailed.values())} e-mails")
    assert deaths == KILLS, log.read_text()
    assert set(by_status) <= SETTLED, log.read_text()  # none lost in queued or sending
    assert [message_id for message_id, times in mailed.items() if times > 1] == []  # none sent twice
    # The killed sends left once and nobody can know it: those, and only those, are for staff to confirm.
    assert by_status["uncertain"] == KILLS
    for reminder_id, row in statuses.items():
        if row.channel == "email" and row.status in ("sent", "uncertain"):
            assert mailed[f"<reminder-{reminder_id}@clinic.example>"] == 1
    sms = (folder / "sms.log").read_text() if (folder / "sms.log").exists() else ""
    sms_references = Counter(line.split()[2] for line in sms.splitlines() if line.startswith("--- "))
    assert [reference for reference, times in sms_references.items() if times > 1] == []
