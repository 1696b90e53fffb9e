"""Celery tasks of compliance: thin wrappers around its services."""

from celery import shared_task
from django.utils import timezone

from .read_audit_retention import read_audit_sweep


@shared_task(acks_late=True)
def sweep_read_audit() -> int:
    """Nightly: delete the read-audit rows older than READ_AUDIT_RETENTION_DAYS, in batches; returns how many."""
    return read_audit_sweep(now=timezone.now()).deleted
