"""Celery tasks for webhooks: thin wrappers around the services, taking ids, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from .services import webhook_deliveries_due, webhook_deliveries_enqueue, webhook_delivery_send


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def send_webhook_delivery(delivery_id: int) -> str | None:
    """Send one delivery if it is due; a failure is recorded for the sweep to retry after its back-off."""
    delivery = webhook_delivery_send(delivery_id=delivery_id)
    return None if delivery is None else delivery.status


@shared_task
def sweep_webhook_deliveries() -> int:
    """Publish a send task for every delivery that is due (retries after back-off, tasks that were lost)."""
    due = webhook_deliveries_due(now=timezone.now())
    webhook_deliveries_enqueue(delivery_ids=due)
    return len(due)
