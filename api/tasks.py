"""Celery tasks of the API: thin wrappers around its services."""

from celery import shared_task
from django.utils import timezone

from .idempotency import idempotency_records_purge


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    """Hourly: forget the answers to idempotent POSTs once they are older than the retention period."""
    return idempotency_records_purge(now=timezone.now())
