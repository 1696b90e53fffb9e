"""Property tests: whatever sequence of money movements happens, the books stay exact."""

import contextlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError, InvalidTransition
from invoices import services
from invoices.models import Invoice, LedgerEntry
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=200_000).map(lambda n: (Decimal(n) / 100).quantize(Decimal("0.01")))
operation = st.one_of(
    st.tuples(st.just("pay"), cents, st.sampled_from(["patient", "insurer"])),
    st.tuples(st.just("credit"), cents, st.none()),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.none()),
    st.tuples(st.just("refund"), cents, st.none()),
    st.tuples(st.just("settle"), st.none(), st.none()),
)


def apply(invoice: Invoice, op: tuple) -> None:
    kind, value, extra = op
    if kind == "pay":
        services.payment_record(invoice_id=invoice.pk, amount=value, payer=extra, method="bank", by=None)
    elif kind == "credit":
        services.invoice_credit(invoice_id=invoice.pk, amount=value, reason="correction", by=None)
    elif kind == "reverse":
        entries = list(invoice.entries.order_by("id"))
        services.entry_reverse(entry_id=entries[value % len(entries)].pk, reason="mistake", by=None)
    elif kind == "refund":
        services.credit_refund(invoice_id=invoice.pk, amount=value, method="bank", by=None)
    else:
        services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=12))
def test_it_keeps_balance_equal_to_the_sum_of_entries(patient, operations):
    invoice = issued_invoice(patient)
    for op in operations:
        # A refused operation must leave the books untouched: the checks below run either way.
        with contextlib.suppress(ApplicationError, InvalidTransition):
            apply(invoice, op)
        invoice.refresh_from_db()
        entries = list(invoice.entries.all())
        assert invoice.balance == sum((e.amount for e in entries), Decimal("0.00"))
        assert entries[-1].balance_after == invoice.balance
        assert all(isinstance(e.amount, Decimal) and e.amount == e.amount.quantize(Decimal("0.01")) for e in entries)
    assert services.ledger_verify(invoice_ids=[invoice.pk]) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payments=st.lists(cents, min_size=1, max_size=8))
def test_it_never_loses_a_cent_of_what_was_paid(patient, payments):
    invoice = issued_invoice(patient)
    for amount in payments:
        services.payment_record(invoice_id=invoice.pk, amount=amount, payer="patient", method="card", by=None)
    invoice.refresh_from_db()
    paid = -sum(invoice.entries.filter(kind=LedgerEntry.Kind.PATIENT_PAYMENT).values_list("amount", flat=True))
    assert paid == sum(payments)
    # Whatever was paid beyond the bill is the patient's credit, to the cent.
    assert invoice.total - paid - invoice.third_party_share == invoice.patient_due


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.one_of(st.floats(allow_nan=True), st.text(max_size=8), st.decimals(places=3)))
def test_it_refuses_floats_and_inexact_amounts_without_posting(patient, amount):
    invoice = issued_invoice(patient)
    before = invoice.entries.count()
    try:
        services.payment_record(invoice_id=invoice.pk, amount=amount, payer="patient", method="card", by=None)
    except ApplicationError:
        assert invoice.entries.count() == before
    else:
        assert not isinstance(amount, float)
        assert Decimal(amount) == Decimal(amount).quantize(Decimal("0.01"))
