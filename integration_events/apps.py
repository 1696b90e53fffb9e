from django.apps import AppConfig


class IntegrationEventsConfig(AppConfig):
    """The append-only feed of what changed (patient registered, invoice issued, payment received, …) and the
    signed webhooks that carry it to an integration such as the practice system.

    It sits low, beside the clinic calendar, so that every domain app records its events in the transaction
    of its own change; it imports none of them, and its payloads hold ids, amounts and statuses only."""

    name = "integration_events"
    verbose_name = "Integration events"

    def ready(self) -> None:
        # Services publish the send task by name. Registering it in every process (not only in the worker, whose
        # autodiscovery finds it) lets an eager run (CELERY_TASK_ALWAYS_EAGER) execute it rather than hand the
        # message to a broker nobody reads.
        from auditlog.registry import auditlog

        from . import models, tasks  # noqa: F401

        # An endpoint receives patients' billing events: adding, redirecting or switching one off is audited. The
        # signing secret never enters the log.
        auditlog.register(models.WebhookEndpoint, exclude_fields=["secret"])
