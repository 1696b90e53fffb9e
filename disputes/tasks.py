"""Celery tasks for disputes: thin wrappers around services, safe to run twice."""

import logging

from celery import shared_task

from .services import complaints_escalate_overdue

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def escalate_overdue_complaints() -> int:
    """Beat sweep: complaints whose meeting deadline passed unmet go to the office manager."""
    escalated = complaints_escalate_overdue()
    if escalated:
        logger.info("escalated %s complaint(s) past their meeting deadline", escalated)
    return escalated
