"""Celery tasks: thin wrappers around services."""

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings

from .services import bank_inbox_sweep

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def sweep_bank_inbox() -> dict[str, int]:
    """Import the bank files waiting in settings.BANK_FILE_INBOX (nothing when no inbox is set)."""
    if not settings.BANK_FILE_INBOX:
        return {"imported": 0, "refused": 0}
    inbox = Path(settings.BANK_FILE_INBOX)
    if not inbox.is_dir():
        logger.error("BANK_FILE_INBOX is not a folder; no bank files were imported")
        return {"imported": 0, "refused": 0}
    sweep = bank_inbox_sweep(inbox=inbox)
    for bank_file in sweep.refused:
        logger.warning("bank file id=%s refused at line %s", bank_file.pk, bank_file.refusal_line)
    return {"imported": len(sweep.imported), "refused": len(sweep.refused)}
