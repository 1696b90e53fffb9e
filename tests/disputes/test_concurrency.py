"""Concurrency on PostgreSQL: an adjustment request is decided once, and posts one ledger entry, however many
colleagues press the button at the same moment."""

import os
import threading
from collections.abc import Callable

import pytest
from django.db import connections
from django.test import Client

from clinic_billing.exceptions import InvalidTransition
from disputes import services
from disputes.models import AdjustmentRequest
from invoices.models import LedgerEntry
from tests.factories import UserFactory, issued_invoice

# Decided before the database is set up, so a skipped run on SQLite flushes nothing; serialized rollback
# restores the roles and the default policy that the data migrations seeded once a transactional test has
# flushed them (the same convention as tests/invoices/test_concurrency.py, so their flushes agree).
pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locking (SELECT … FOR UPDATE) is only meaningful on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PATIENT_LINES = [("GP1", "Consultation", "1", "640.00", "patient"), ("MAT", "Dressing", "1", "60.00", "patient")]


def run_together(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def pending_write_off(patient, billing) -> AdjustmentRequest:
    complaint = services.complaint_file(
        patient_id=patient.pk,
        invoice_id=issued_invoice(patient, lines=PATIENT_LINES).pk,
        line_ids=[],
        channel="desk",
        category="care_quality",
        description="The doctor never examined me.",
        by=billing,
    )
    return services.complaint_accept_proposal(complaint_id=complaint.pk, by=billing)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_approves_once_when_two_managers_approve_at_the_same_moment(pending_write_off, manager):
    second_manager = UserFactory(username="magnus_manager", roles=["office_manager"])
    clients = [logged_in(manager), logged_in(second_manager)]
    url = f"/api/v1/adjustments/{pending_write_off.pk}/approve/"

    responses = run_together([lambda c=c: c.post(url, {}, content_type="application/json") for c in clients])

    assert sorted(r.status_code for r in responses) == [200, 409]
    pending_write_off.refresh_from_db()
    assert pending_write_off.status == AdjustmentRequest.Status.APPROVED
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.WRITE_OFF).count() == 1
    assert pending_write_off.ledger_entry.kind == LedgerEntry.Kind.WRITE_OFF


def test_it_decides_once_when_one_approves_and_another_rejects(pending_write_off, manager):
    second_manager = UserFactory(username="magnus_manager", roles=["office_manager"])

    results = run_together(
        [
            lambda: services.adjustment_approve(adjustment_id=pending_write_off.pk, by=manager),
            lambda: services.adjustment_reject(adjustment_id=pending_write_off.pk, by=second_manager, note="No"),
        ]
    )

    decided = [r for r in results if isinstance(r, AdjustmentRequest)]
    assert len(decided) == 1
    assert [type(r) for r in results if r not in decided] == [InvalidTransition]
    pending_write_off.refresh_from_db()
    assert pending_write_off.status == decided[0].status
    expected_entries = 1 if pending_write_off.status == AdjustmentRequest.Status.APPROVED else 0
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.WRITE_OFF).count() == expected_entries
