"""Idempotency of every POST of the API: one mechanism, applied by `api.base.StaffApi` to each POST view.

A client sends `Idempotency-Key: <unique key>` with a POST. The first request claims the key (a row of
`IdempotencyRecord`, unique per user and key) in the same transaction as the change it makes, and stores its
answer there; a retry with the same key and the same request gets that answer again with
`Idempotent-Replayed: true`, without doing anything twice. The same key with another request (another body
or another URL) is refused with 409 `idempotency_key_reused`. Two identical requests at the same moment make
one change: the second waits on the first's claim (the unique index) and then replays its answer.

Only a successful answer (2xx) is kept: a refusal writes nothing, so the key is released and the client may
retry it with a corrected body. Records are kept for `RETENTION` and then purged by a beat task.
"""

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict

from .models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 100  # IdempotencyRecord.key, and LedgerEntry.idempotency_key of a payment
RETENTION = timedelta(hours=24)
KEY_REUSED = "idempotency_key_reused"


class IdempotentReplay(Exception):
    """The request repeats one already answered: answer it with the stored response."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """A stable hash of what a request asks for: the same key with another fingerprint is another request."""
    canonical = json.dumps({"method": method, "path": path, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key_clean(raw: str | None) -> str | None:
    """The key a request sent, or None; a key longer than can be stored is refused (400)."""
    key = (raw or "").strip()
    if not key:
        return None
    if len(key) > KEY_MAX_LENGTH:
        raise ApplicationError(
            _("The Idempotency-Key can be at most %(max)s characters.") % {"max": KEY_MAX_LENGTH},
            field="idempotency_key",
        )
    return key


def idempotency_claim(*, user: User, key: str, fingerprint: str) -> IdempotencyRecord:
    """Claim the key for this request, inside the caller's transaction.

    Raises IdempotentReplay when the user's key already answered the same request, and Conflict when it
    answered another. A concurrent request with the same key waits here until the first one commits.
    """
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
    except IntegrityError:
        existing = IdempotencyRecord.objects.get(user=user, key=key)
    if existing.fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request. Use a new key."),
            field="idempotency_key",
            code=KEY_REUSED,
        )
    raise IdempotentReplay(existing)


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: Any) -> None:
    """Keep a successful answer for replays; release the key of a refusal (nothing was changed)."""
    if 200 <= status < 300:
        record.response_status = status
        record.response_body = body
        record.save(update_fields=["response_status", "response_body"])
    else:
        record.delete()


def idempotency_records_purge(*, now: datetime) -> int:
    """Delete the records older than RETENTION; returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
