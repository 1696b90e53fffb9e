"""Celery tasks for disputes: thin wrappers around services, safe to run twice."""

import logging

from celery import shared_task
from django.utils import timezone

from clinic_calendar import clinic_calendar

from .services import complaints_escalate_overdue

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def escalate_overdue_complaints() -> int:
    """Beat sweep: complaints whose meeting deadline passed unmet go to the office manager.

    Only while the clinic is open (opening hours, not on public holidays): an escalation in the night or
    on a Sunday reaches nobody, so the first tick after opening makes it, when the office manager is in.
    """
    now = timezone.now()
    if not clinic_calendar().is_open(now):
        return 0
    escalated = complaints_escalate_overdue(now=now)
    if escalated:
        logger.info("escalated %s complaint(s) past their meeting deadline", escalated)
    return escalated
