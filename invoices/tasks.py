"""Celery tasks: thin wrappers around services, taking ids, idempotent."""

import logging

from celery import shared_task

from .services import ledger_verify

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def ledger_verify_all() -> int:
    """Nightly proof that every invoice's cached balance equals the sum of its entries."""
    problems = ledger_verify()
    for problem in problems:
        logger.error("ledger mismatch on invoice id=%s: %s", problem.invoice_id, problem.message)
    return len(problems)
