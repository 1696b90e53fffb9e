"""The reports on a real PostgreSQL streaming replica (bench/replica.py starts a primary and a pg_basebackup copy of
it on two free ports, seeds the primary and reads the reports through REPORTS_DATABASE_URL from the copy).

Skipped where PostgreSQL's server programs are not installed. No figure here is a time limit: the lag is measured
and printed by `make bench-replica`, and these tests check only where each read and write went."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.replica import unavailable_reason

pytestmark = pytest.mark.replica

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def replica_run() -> dict:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    completed = subprocess.run(
        [sys.executable, "-m", "bench.replica", "run", "--invoices", "300", "--rounds", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_it_reads_the_reports_from_a_standby_that_refuses_writes(replica_run):
    assert replica_run["replica_in_recovery"] is True
    assert replica_run["primary_in_recovery"] is False
    assert replica_run["replica_refuses_writes"] is True
    for page in ("aging report", "aging report CSV", "complaint report", "complaint report CSV"):
        assert replica_run["pages"][page]["queries_on_replica"] > 0, page


def test_it_writes_the_aging_reports_read_audit_rows_on_the_primary(replica_run):
    for page in ("aging report", "aging report CSV"):
        assert replica_run["pages"][page]["audit_rows_written_on_primary"] > 0, page


def test_it_keeps_the_worklist_on_the_primary(replica_run):
    assert replica_run["pages"]["worklist"]["queries_on_replica"] == 0
    assert replica_run["pages"]["worklist"]["queries_on_primary"] > 0


def test_it_shows_each_payment_in_the_report_read_from_the_replica(replica_run):
    assert replica_run["payment_visible_in_report_ms"]["rounds"] == 5
    assert replica_run["payment_replayed_ms"]["rounds"] == 5
