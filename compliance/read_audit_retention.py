"""Retention of the read-audit rows: ACCESS entries of the audit log older than READ_AUDIT_RETENTION_DAYS go.

Every page that shows a patient's records writes one ACCESS row per record (clinic_billing/read_audit.py), so
the audit log grows with the page views, a few hundred bytes a read (docs/scaling.md, "The read-audit log").
Only ACCESS rows are swept: the rows that record a change (create, update, delete) are the trail of the money
and the patient data and stay as long as those records do (docs/data-protection.md).

The sweep deletes in batches of READ_AUDIT_SWEEP_BATCH rows, each in its own short transaction, never in one
statement: a day's worth of reads at a busy office is millions of rows, and one DELETE of them would hold its
locks, bloat the WAL the replica replays and stall autovacuum for as long as it ran. A sweep stops after
`max_batches` so one run never monopolises a worker; the next run (beat, nightly) carries on.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.db import transaction


@dataclass(frozen=True)
class ReadAuditSweep:
    cutoff: datetime
    deleted: int
    batches: int
    finished: bool  # False: rows older than the cutoff remain for the next run


def read_audit_cutoff(*, now: datetime) -> datetime:
    """The instant before which a read-audit row has been kept long enough."""
    return now - timedelta(days=settings.READ_AUDIT_RETENTION_DAYS)


def read_audit_sweep(*, now: datetime, batch_size: int | None = None, max_batches: int = 1000) -> ReadAuditSweep:
    """Delete the ACCESS rows of the audit log older than the retention period, `batch_size` rows per
    transaction, at most `max_batches` batches; returns what was deleted and whether anything old remains."""
    batch_size = batch_size or settings.READ_AUDIT_SWEEP_BATCH
    cutoff = read_audit_cutoff(now=now)
    expired = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, timestamp__lt=cutoff)
    deleted = batches = 0
    while batches < max_batches:
        with transaction.atomic():
            # The oldest first, by the timestamp index: a run that stops early has removed the oldest rows.
            ids = list(expired.order_by("timestamp", "pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return ReadAuditSweep(cutoff=cutoff, deleted=deleted, batches=batches, finished=True)
            # No receivers or relations hang on LogEntry: Django deletes the batch with one DELETE … WHERE id IN.
            count, _by_model = LogEntry.objects.filter(pk__in=ids).delete()
        deleted += count
        batches += 1
    return ReadAuditSweep(cutoff=cutoff, deleted=deleted, batches=batches, finished=not expired.exists())
