from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the clinic's periodic jobs by hand: `manage.py run_billing_jobs` runs what Celery beat schedules
    (reminders, instalments, escalations, the ledger check) once, for cron-only installs and catching up after
    an outage. It calls three apps' services, so it sits at the top, beside the demo data."""

    name = "operations"
