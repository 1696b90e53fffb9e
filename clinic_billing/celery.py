"""Celery application. The database is the source of truth; tasks are thin wrappers around services."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_billing.settings")

app = Celery("clinic_billing")
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
        "schedule": float(os.environ.get("REMINDER_SWEEP_INTERVAL") or "900"),
    },
    "dispatch-reminders": {
        "task": "patient_collections.tasks.dispatch_reminders",
        "schedule": 60.0,
    },
    "sweep-instalments": {
        "task": "patient_collections.tasks.sweep_instalments",
        "schedule": crontab(hour=6, minute=0),
    },
    "verify-ledger-nightly": {
        "task": "invoices.tasks.ledger_verify_all",
        "schedule": crontab(hour=2, minute=15),
    },
}
