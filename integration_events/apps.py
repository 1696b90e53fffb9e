from django.apps import AppConfig


class IntegrationEventsConfig(AppConfig):
    """The append-only feed of what changed (patient registered, invoice issued, payment received, …) and the
    signed webhooks that carry it to an integration such as the practice system.

    It sits low, beside the clinic calendar, so that every domain app records its events in the transaction
    of its own change; it imports none of them, and its payloads hold ids, amounts and statuses only."""

    name = "integration_events"
    verbose_name = "Integration events"
