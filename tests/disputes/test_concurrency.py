"""Concurrency on PostgreSQL: an adjustment request is decided once, and posts one ledger entry, however many
colleagues press the button at the same moment."""

import pytest
from django.test import Client

from clinic_billing.exceptions import InvalidTransition
from disputes import services
from disputes.models import AdjustmentRequest
from invoices.models import LedgerEntry
from tests.concurrency import POSTGRESQL_ONLY, run_together
from tests.conftest import verify_otp
from tests.factories import UserFactory, write_off_pending

pytestmark = POSTGRESQL_ONLY


@pytest.fixture
def pending_write_off(patient, billing, manager) -> AdjustmentRequest:
    """Billing's request, which the office manager approves (a request nobody may approve is refused)."""
    return write_off_pending(patient, requested_by=billing)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    verify_otp(client, user)
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
