"""Posting a batch of payments (a bank file's) leaves exactly what posting them one by one would."""

import itertools
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError, Conflict, InvalidTransition
from invoices import services
from invoices.models import Coverage, Invoice, LedgerEntry
from tests.factories import PatientFactory, draft_invoice, issue

pytestmark = pytest.mark.django_db

RUNS = itertools.count()
LINES = [("GP1", "Visit", "1", "300.00", Coverage.PATIENT)]


def batch(invoice: Invoice, amount: str, key: str, reference: str = "") -> services.BatchPayment:
    return services.BatchPayment(invoice.pk, Decimal(amount), "bank_transfer", reference, key)


def test_a_batch_posts_each_payment_and_keeps_the_balances(patient):
    first, second = issue(patient), issue(patient)
    results = services.payments_record_batch(
        payments=[batch(first, "100.00", "b:1"), batch(second, "500.00", "b:2"), batch(first, "450.00", "b:3")]
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.balance, second.balance) == (Decimal("-50.00"), Decimal("0.00"))
    assert [r.balance_after for r in results if isinstance(r, LedgerEntry)] == [
        Decimal("400.00"),
        Decimal("0.00"),
        Decimal("-50.00"),
    ]
    assert services.ledger_verify(invoice_ids=[first.pk, second.pk]) == []


def test_a_replayed_key_returns_its_entry_and_a_reused_key_is_refused(patient):
    invoice = issue(patient)
    [entry] = services.payments_record_batch(payments=[batch(invoice, "100.00", "b:1")])
    replay, reuse = services.payments_record_batch(
        payments=[batch(invoice, "100.00", "b:1"), batch(invoice, "99.00", "b:1")]
    )
    assert replay == entry
    assert isinstance(reuse, Conflict)
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("400.00")


def test_a_refused_payment_does_not_stop_the_others(patient):
    draft, issued = draft_invoice(patient), issue(patient)
    results = services.payments_record_batch(
        payments=[batch(draft, "10.00", "b:1"), batch(issued, "0.00", "b:2"), batch(issued, "10.00", "b:3")]
    )
    assert isinstance(results[0], InvalidTransition) and isinstance(results[1], ApplicationError)
    assert isinstance(results[2], LedgerEntry)
    issued.refresh_from_db()
    assert issued.balance == Decimal("490.00")


def test_the_audit_log_has_a_row_per_entry_and_per_balance_change(patient):
    invoice = issue(patient)
    before = LogEntry.objects.count()
    services.payments_record_batch(payments=[batch(invoice, "10.00", "b:1"), batch(invoice, "20.00", "b:2")])
    created = LogEntry.objects.count() - before
    assert created == 3  # two entries created, the invoice's balance changed once (470.00)
    change = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, object_pk=str(invoice.pk)).latest("pk")
    assert change.changes_dict["balance"] == ["500.00", "470.00"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(
        st.tuples(
            st.integers(0, 2), st.sampled_from(["0.01", "50.00", "120.50", "300.00", "999.99"]), st.integers(0, 5)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_batch_leaves_what_one_payment_at_a_time_leaves(plan):
    run = next(RUNS)
    patient = PatientFactory()
    batched = [issue(patient, lines=LINES) for _ in range(3)]
    single = [issue(patient, lines=LINES) for _ in range(3)]
    outcomes = services.payments_record_batch(
        payments=[batch(batched[i], amount, f"{run}:b:{key}") for i, amount, key in plan]
    )
    for (i, amount, key), outcome in zip(plan, outcomes, strict=True):
        try:
            one = services.payment_record(
                invoice_id=single[i].pk,
                amount=amount,
                payer="patient",
                method="bank_transfer",
                by=None,
                idempotency_key=f"{run}:s:{key}",
            ).entry
        except ApplicationError as refused:
            assert type(outcome) is type(refused)
        else:
            assert isinstance(outcome, LedgerEntry) and outcome.amount == one.amount
    for mine, theirs in zip(batched, single, strict=True):
        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert mine.balance == theirs.balance
    assert services.ledger_verify(invoice_ids=[i.pk for i in batched]) == []
