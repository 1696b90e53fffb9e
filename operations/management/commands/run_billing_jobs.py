"""Run every periodic sweep once, synchronously, through the same services that Celery beat triggers.

For installs that use cron instead of beat, for catching up after an outage, and for tests. Each job is
named after the beat entry it stands in for; a job reports problems as plain lines, and any problem makes
the command exit non-zero after every job has run.

It lives in the top app because a catch-up run calls the services of invoices, disputes and
patient_collections directly (a day given with --as-of, notices sent in-process, a summary and the problems
of each job), which the Celery tasks, taking no arguments and answering a count, cannot report.
"""

import argparse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from api.idempotency import idempotency_records_purge
from compliance.read_audit_retention import read_audit_sweep
from disputes.services import complaints_escalate_overdue
from integration_events.models import WebhookDelivery
from integration_events.services import webhook_deliveries_due, webhook_delivery_send
from invoices.models import Invoice
from invoices.services import ledger_verify
from patient_collections.models import Reminder
from patient_collections.services import (
    INSTALMENT_STEPS,
    instalments_sweep,
    reminder_send,
    reminders_dispatch,
    reminders_sweep,
)
from payments_in.services import bank_inbox_sweep

# Sweeps that take their batch size from the service stop when a batch comes back short.
ESCALATION_BATCH = 500


@dataclass(frozen=True)
class JobOutcome:
    summary: str
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BillingJob:
    name: str
    task: str  # the Celery task that beat runs for the same sweep
    run: Callable[[date], JobOutcome]


def _verify_ledger(as_of: date) -> JobOutcome:
    # The ledger is checked as it stands now: entries carry no "as of" view, so the date does not apply.
    problems = ledger_verify()
    checked = Invoice.objects.issued().count()
    return JobOutcome(
        summary=f"{checked} invoice(s) checked",
        problems=[f"invoice id={problem.invoice_id}: {problem.message}" for problem in problems],
    )


def _moment(as_of: date) -> datetime:
    """Now when as_of is today; otherwise the end of that day in the clinic's time zone. For deadlines only:
    a notice sent by a catch-up run leaves now and counts from now (`reminder_send` without `now`), or one
    night's catch-up over missed days would send the reminder, the purring and the inkassovarsel together."""
    if as_of == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))


def _escalate_overdue_complaints(as_of: date) -> JobOutcome:
    now = _moment(as_of)
    escalated = batch = complaints_escalate_overdue(now=now)
    while batch == ESCALATION_BATCH:
        batch = complaints_escalate_overdue(now=now)
        escalated += batch
    return JobOutcome(summary=f"{escalated} complaint(s) past their meeting deadline sent to the office manager")


def _sweep_reminders(as_of: date) -> JobOutcome:
    result = reminders_sweep(today=as_of, enqueue=False)
    # Cron installs have no worker: send what the sweep queued right here, through the same service.
    statuses = Counter(reminder_send(reminder_id=reminder_id).status for reminder_id in result.reminder_ids)
    return JobOutcome(
        summary=(
            f"{result.examined} overdue invoice(s) examined, {statuses[Reminder.Status.SENT]} notice(s) sent, "
            f"{statuses[Reminder.Status.TO_PRINT]} letter(s) waiting for the print batch, "
            f"{statuses[Reminder.Status.SKIPPED]} skipped, {statuses[Reminder.Status.QUEUED]} waiting for contact "
            f"hours, {statuses[Reminder.Status.UNCERTAIN]} with an unknown outcome, "
            f"{result.cases_proposed} collection case(s) proposed"
        )
    )


def _dispatch_reminders(as_of: date) -> JobOutcome:
    result = reminders_dispatch(now=timezone.now(), enqueue=False)
    statuses = Counter(reminder_send(reminder_id=reminder_id).status for reminder_id in result.published)
    return JobOutcome(
        summary=(
            f"{statuses[Reminder.Status.SENT]} waiting notice(s) sent, "
            f"{statuses[Reminder.Status.TO_PRINT]} letter(s) waiting for the print batch, "
            f"{result.uncertain + statuses[Reminder.Status.UNCERTAIN]} with an unknown outcome left to staff"
        )
    )


def _sweep_instalments(as_of: date) -> JobOutcome:
    missed = instalments_sweep(today=as_of, enqueue=False)
    queued = Reminder.objects.filter(status=Reminder.Status.QUEUED, step__gte=INSTALMENT_STEPS).values_list(
        "id", flat=True
    )
    for reminder_id in list(queued):
        reminder_send(reminder_id=reminder_id)
    return JobOutcome(summary=f"{missed} missed instalment(s) followed up")


def _sweep_bank_inbox(as_of: date) -> JobOutcome:
    # Files are imported as they stand now; the date does not apply to money that has arrived.
    if not settings.BANK_FILE_INBOX:
        return JobOutcome(summary="no bank file inbox set (BANK_FILE_INBOX)")
    inbox = Path(settings.BANK_FILE_INBOX)
    if not inbox.is_dir():
        return JobOutcome(summary="0 bank file(s) imported", problems=[f"BANK_FILE_INBOX {inbox} is not a folder"])
    sweep = bank_inbox_sweep(inbox=inbox)
    return JobOutcome(
        summary=f"{len(sweep.imported)} bank file(s) imported, {len(sweep.refused)} refused",
        problems=[f"bank file {f.filename}: line {f.refusal_line}: {f.refusal_reason}" for f in sweep.refused],
    )


def _purge_idempotency_records(as_of: date) -> JobOutcome:
    # Retention is counted back from now: the stored answers' age does not depend on the day being caught up.
    return JobOutcome(summary=f"{idempotency_records_purge(now=timezone.now())} stored API answer(s) forgotten")


def _send_webhook_deliveries(as_of: date) -> JobOutcome:
    # Deliveries are due by the clock, not by the day being caught up: send whatever waits now, in-process.
    sent = [
        webhook_delivery_send(delivery_id=delivery_id) for delivery_id in webhook_deliveries_due(now=timezone.now())
    ]
    statuses = Counter(delivery.status for delivery in sent if delivery is not None)
    return JobOutcome(
        summary=(
            f"{statuses[WebhookDelivery.Status.SUCCEEDED]} webhook delivery(ies) sent, "
            f"{statuses[WebhookDelivery.Status.PENDING]} to try again later, "
            f"{statuses[WebhookDelivery.Status.FAILED]} failed for good"
        )
    )


def _sweep_read_audit(as_of: date) -> JobOutcome:
    # Like the stored answers: the rows' age counts from now, whatever day is being caught up.
    sweep = read_audit_sweep(now=timezone.now())
    remaining = "" if sweep.finished else "; older rows remain for the next run"
    return JobOutcome(summary=f"{sweep.deleted} read-audit row(s) past the retention deleted{remaining}")


JOBS: list[BillingJob] = [
    BillingJob(name="sweep-reminders", task="patient_collections.tasks.sweep_reminders", run=_sweep_reminders),
    BillingJob(name="dispatch-reminders", task="patient_collections.tasks.dispatch_reminders", run=_dispatch_reminders),
    BillingJob(name="sweep-instalments", task="patient_collections.tasks.sweep_instalments", run=_sweep_instalments),
    BillingJob(
        name="escalate-overdue-complaints",
        task="disputes.tasks.escalate_overdue_complaints",
        run=_escalate_overdue_complaints,
    ),
    BillingJob(name="sweep-bank-inbox", task="payments_in.tasks.sweep_bank_inbox", run=_sweep_bank_inbox),
    BillingJob(name="verify-ledger", task="invoices.tasks.ledger_verify_all", run=_verify_ledger),
    BillingJob(
        name="send-webhook-deliveries",
        task="integration_events.tasks.sweep_webhook_deliveries",
        run=_send_webhook_deliveries,
    ),
    BillingJob(
        name="purge-idempotency-records", task="api.tasks.purge_idempotency_records", run=_purge_idempotency_records
    ),
    BillingJob(name="sweep-read-audit", task="compliance.tasks.sweep_read_audit", run=_sweep_read_audit),
]


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-11-02, not {value!r}") from exc


class Command(BaseCommand):
    help = "Run every periodic billing sweep once (what Celery beat schedules), then report each outcome."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_parse_day, help="Treat this day (YYYY-MM-DD) as today.")

    def handle(self, *args: object, **options: object) -> None:
        as_of = cast(date | None, options["as_of"]) or timezone.localdate()
        failed = []
        for job in JOBS:
            outcome = job.run(as_of)
            if outcome.problems:
                failed.append(job.name)
                self.stdout.write(
                    self.style.ERROR(f"{job.name}: {len(outcome.problems)} problem(s); {outcome.summary}")
                )
                for problem in outcome.problems:
                    self.stderr.write(f"  {job.name}: {problem}")
            else:
                self.stdout.write(self.style.SUCCESS(f"{job.name}: ok; {outcome.summary}"))
        if failed:
            raise CommandError(f"Problems reported by: {', '.join(failed)} (as of {as_of.isoformat()}).")
        self.stdout.write(f"All {len(JOBS)} job(s) ran as of {as_of.isoformat()}.")
