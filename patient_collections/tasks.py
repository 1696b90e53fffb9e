"""Celery tasks for collections: thin wrappers around services, taking ids, safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .channels import DeliveryError
from .services import instalments_sweep, reminder_send, reminders_dispatch, reminders_sweep

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(DeliveryError,),
    retry_backoff=30,
    # Short countdowns only: Redis would hand a task waiting longer than its visibility timeout to a second worker.
    retry_backoff_max=240,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=settings.REMINDER_SEND_SOFT_TIME_LIMIT,
    time_limit=settings.REMINDER_SEND_TIME_LIMIT,
)
def send_reminder(reminder_id: int) -> str:
    """Send one queued notice; a repeated or redelivered call finds it sent (or claimed) and does nothing."""
    return reminder_send(reminder_id=reminder_id).status


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def dispatch_reminders() -> int:
    """Beat, every minute: publish the send tasks a dead worker left unpublished or took with it, and put notices
    whose attempt died on the staff worklist."""
    result = reminders_dispatch(now=timezone.now())
    if result.published or result.uncertain:
        logger.info(
            "reminder dispatch: %s send task(s) published, %s notice(s) with an unknown outcome",
            len(result.published),
            result.uncertain,
        )
    return len(result.published)


@shared_task(acks_late=True)
def sweep_reminders() -> int:
    """Beat sweep: queue the notices that are due today and propose collection cases.

    With REMINDER_SWEEP_SHARDS > 1 it hands one shard of the invoices to each of that many tasks, so
    several workers share the sweep without looking at the same invoice twice.
    """
    shards = settings.REMINDER_SWEEP_SHARDS
    if shards > 1:
        for shard in range(shards):
            sweep_reminders_shard.delay(shard, shards)
        return 0
    return sweep_reminders_shard(0, 1)


@shared_task(acks_late=True)
def sweep_reminders_shard(shard: int, shards: int) -> int:
    result = reminders_sweep(today=timezone.localdate(), shard=shard, shards=shards)
    logger.info(
        "reminder sweep %s/%s: %s invoice(s) examined, %s notice(s) queued, %s case(s) proposed",
        shard + 1,
        shards,
        result.examined,
        len(result.reminder_ids),
        result.cases_proposed,
    )
    return len(result.reminder_ids)


@shared_task(acks_late=True)
def sweep_instalments() -> int:
    """Beat sweep: mark instalments paid or missed; a missed one creates a call and a reminder."""
    return instalments_sweep(today=timezone.localdate())
