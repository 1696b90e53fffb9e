"""The read-audit retention sweep: ACCESS rows older than READ_AUDIT_RETENTION_DAYS go, in batches; rows that
record a change stay whatever their age."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic_billing.audited import log_bulk_reads
from compliance.read_audit_retention import read_audit_sweep
from compliance.tasks import sweep_read_audit
from tests.factories import PatientFactory
from tests.production_django import run_django

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
RETENTION_DAYS = 400


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.READ_AUDIT_RETENTION_DAYS = RETENTION_DAYS


def reads_at(moment: datetime, count: int) -> list[int]:
    """`count` ACCESS rows written at `moment` (one per patient read), with their ids."""
    with time_machine.travel(moment, tick=False):
        patients = PatientFactory.create_batch(count)
        log_bulk_reads(patients)
    return list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS, timestamp=moment).values_list("pk", flat=True))


def test_it_deletes_the_reads_older_than_the_retention_and_keeps_the_newer():
    old = reads_at(NOW - timedelta(days=RETENTION_DAYS, seconds=1), 3)
    kept = reads_at(NOW - timedelta(days=RETENTION_DAYS) + timedelta(seconds=1), 2)

    sweep = read_audit_sweep(now=NOW)

    assert sweep.deleted == 3 and sweep.finished
    assert not LogEntry.objects.filter(pk__in=old).exists()
    assert LogEntry.objects.filter(pk__in=kept).count() == 2


def test_it_keeps_the_rows_that_record_changes_whatever_their_age():
    reads_at(NOW - timedelta(days=5 * RETENTION_DAYS), 2)
    changes = LogEntry.objects.exclude(action=LogEntry.Action.ACCESS)
    changes_before = changes.count()
    assert changes_before > 0  # the patients' creation, written as old as the reads

    read_audit_sweep(now=NOW)

    assert changes.count() == changes_before
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_it_deletes_in_batches_one_delete_each():
    reads_at(NOW - timedelta(days=RETENTION_DAYS + 30), 5)

    with CaptureQueriesContext(connection) as captured:
        sweep = read_audit_sweep(now=NOW, batch_size=2)

    deletes = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("DELETE")]
    assert (sweep.deleted, sweep.batches) == (5, 3)
    assert len(deletes) == 3


def test_it_stops_after_max_batches_having_deleted_the_oldest_first():
    oldest = reads_at(NOW - timedelta(days=RETENTION_DAYS + 90), 2)
    younger = reads_at(NOW - timedelta(days=RETENTION_DAYS + 10), 2)

    sweep = read_audit_sweep(now=NOW, batch_size=2, max_batches=1)

    assert (sweep.deleted, sweep.finished) == (2, False)
    assert not LogEntry.objects.filter(pk__in=oldest).exists()
    assert LogEntry.objects.filter(pk__in=younger).count() == 2
    assert read_audit_sweep(now=NOW, batch_size=2).finished


def test_the_nightly_task_sweeps_with_the_current_time():
    reads_at(NOW - timedelta(days=RETENTION_DAYS + 1), 2)
    reads_at(NOW - timedelta(days=1), 1)

    with time_machine.travel(NOW, tick=False):
        assert sweep_read_audit.delay().get() == 2

    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1


def test_the_settings_refuse_a_retention_under_a_year():
    result = run_django("import clinic_billing.settings", READ_AUDIT_RETENTION_DAYS="90")
    assert result.returncode != 0
    assert "READ_AUDIT_RETENTION_DAYS" in result.stderr
