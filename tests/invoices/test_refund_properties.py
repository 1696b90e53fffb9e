"""Property: applying credit and refunding it moves money only out of the patient's account by what was refunded,
and never changes an entry already posted."""

import contextlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError
from invoices import services
from invoices.models import Invoice, LedgerEntry
from tests.factories import invoice_with_credit, issue

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=70_000).map(lambda n: (Decimal(n) / 100).quantize(Decimal("0.01")))
invoice_index = st.integers(min_value=0, max_value=3)
operation = st.one_of(
    st.tuples(st.just("apply"), invoice_index, invoice_index, cents),
    st.tuples(st.just("refund"), invoice_index, st.booleans(), cents),
)
BANK = services.RefundPayee(method="bank_transfer", name="Kari Nordmann", account="86011117947")


def _posted(invoices: list[Invoice]) -> dict[int, tuple]:
    entries = LedgerEntry.objects.filter(invoice__in=invoices)
    return {e.pk: (e.invoice_id, e.kind, e.amount, e.balance_after, e.posted_at, e.reference) for e in entries}


def _total(invoices: list[Invoice]) -> Decimal:
    return sum((Invoice.objects.get(pk=invoice.pk).balance for invoice in invoices), Decimal("0.00"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=10))
def test_credit_moves_and_refunds_change_the_total_only_by_what_was_refunded(patient, billing, manager, operations):
    invoices = [invoice_with_credit(patient, "300.00"), invoice_with_credit(patient, "45.50"), issue(patient)]
    invoices.append(issue(patient))
    total_before = _total(invoices)
    refunded = Decimal("0.00")
    for op in operations:
        posted = _posted(invoices)
        kind, first, second, amount = op
        # A refused operation must leave the books untouched: the checks below run either way.
        with contextlib.suppress(ApplicationError):
            if kind == "apply":
                services.credit_apply(
                    source_id=invoices[first].pk, target_id=invoices[second].pk, amount=amount, by=billing
                )
            else:
                refund = services.refund_request_create(
                    invoice_id=invoices[first].pk, amount=amount, payee=BANK, by=billing
                )
                if second:
                    services.refund_approve(refund_id=refund.pk, by=manager)
                    refunded += amount
                else:
                    services.refund_reject(refund_id=refund.pk, by=manager, note="kept as credit")
        after = _posted(invoices)
        assert {pk: after[pk] for pk in posted} == posted
        assert _total(invoices) == total_before + refunded
    assert services.ledger_verify(invoice_ids=[invoice.pk for invoice in invoices]) == []
    # Never more refunded than was overpaid, and applied credit never turns an invoice that was owed into a credit.
    assert refunded <= Decimal("345.50")
    assert all(Invoice.objects.get(pk=invoice.pk).patient_due >= 0 for invoice in invoices[2:])
