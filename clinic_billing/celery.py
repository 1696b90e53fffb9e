"""Celery application. The database is the source of truth; tasks are thin wrappers around services."""

import os
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from clinic_billing.environment import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_billing.settings")


class BrokerRequiredTask(Task):
    """A task that is sent to a broker, or run in-process when CELERY_TASK_ALWAYS_EAGER=1 says so: never eager
    because no broker is set. Production refuses to start without one (settings.py); in development, sending a task
    without one is refused here, naming both settings, rather than Celery trying its default broker (AMQP on
    localhost) until the caller gives up."""

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        if not self.app.conf.task_always_eager and not self.app.conf.broker_url:
            raise ImproperlyConfigured(
                f"Task {self.name} was not sent: no CELERY_BROKER_URL. Set it (filesystem:// as `make run` does, "
                "or redis://…), or set CELERY_TASK_ALWAYS_EAGER=1 to run tasks in-process."
            )
        return super().apply_async(*args, **kwargs)


app = Celery("clinic_billing", task_cls=BrokerRequiredTask)
app.config_from_object("django.conf:settings", namespace="CELERY")

app.autodiscover_tasks()

app.conf.beat_schedule = {
    "escalate-overdue-complaints": {
        "task": "disputes.tasks.escalate_overdue_complaints",
        "schedule": 300.0,
    },
    "sweep-reminders": {
        "task": "patient_collections.tasks.sweep_reminders",
        # Read like settings.REMINDER_SWEEP_INTERVAL (which checks it against the visibility timeout): this module
        # loads before the settings do.
        "schedule": float(env_int("REMINDER_SWEEP_INTERVAL", 900)),
    },
    "dispatch-reminders": {
        "task": "patient_collections.tasks.dispatch_reminders",
        "schedule": 60.0,
    },
    "sweep-instalments": {
        "task": "patient_collections.tasks.sweep_instalments",
        "schedule": crontab(hour=6, minute=0),
    },
    "sweep-bank-inbox": {
        "task": "payments_in.tasks.sweep_bank_inbox",
        "schedule": float(env_int("BANK_FILE_INBOX_INTERVAL", 300)),
    },
    "verify-ledger-nightly": {
        "task": "invoices.tasks.ledger_verify_all",
        "schedule": crontab(hour=2, minute=15),
    },
    "send-webhook-deliveries": {
        "task": "integration_events.tasks.sweep_webhook_deliveries",
        "schedule": 60.0,
    },
    "sweep-read-audit": {
        "task": "compliance.tasks.sweep_read_audit",
        # At night, when the audit log takes fewest inserts.
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-idempotency-records": {
        "task": "api.tasks.purge_idempotency_records",
        "schedule": crontab(minute=40),
    },
}
