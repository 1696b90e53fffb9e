"""Concurrency on PostgreSQL: row locks keep numbers gapless and idempotency keys single-use."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from invoices import services
from invoices.models import CreditNote, Invoice, LedgerEntry, OwedByDueDate
from invoices.selectors import credit_entries_without_credit_note
from invoices.services import ledger
from tests.concurrency import POSTGRESQL_ONLY, run_together
from tests.factories import draft_invoice, issued_invoice

pytestmark = POSTGRESQL_ONLY


def test_it_records_one_entry_for_concurrent_payments_with_one_key(patient):
    invoice = issued_invoice(patient)

    def pay():
        return services.payment_record(
            invoice_id=invoice.pk, amount="50.00", payer="patient", method="card", by=None, idempotency_key="same"
        )

    results = run_together([pay] * 6)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(1 for r in results if r.created) == 1
    assert LedgerEntry.objects.filter(kind="patient_payment").count() == 1
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("421.00")


def test_it_issues_concurrently_with_gapless_unique_numbers(patient):
    drafts = [draft_invoice(patient) for _ in range(8)]
    results = run_together([lambda d=d: services.invoice_issue(invoice_id=d.pk, by=None) for d in drafts])
    assert not [r for r in results if isinstance(r, Exception)]
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 9))


def test_it_posts_concurrent_payments_without_losing_any(patient):
    invoice = issued_invoice(patient)

    def pay():
        return services.payment_record(invoice_id=invoice.pk, amount="10.00", payer="patient", method="cash", by=None)

    run_together([pay] * 8)
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("391.00")
    assert services.ledger_verify(invoice_ids=[invoice.pk]) == []


def test_it_consumes_no_number_when_an_issue_rolls_back(patient):
    from django.db import transaction

    first = draft_invoice(patient)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invoice_issue(invoice_id=first.pk, by=None)
        raise RuntimeError("rolled back")
    assert issued_invoice(patient).sequence == 1


def test_the_database_refuses_to_edit_a_ledger_entry(patient):
    from django.db import DatabaseError, transaction

    issued_invoice(patient)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE invoices_ledgerentry SET amount = 1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM invoices_ledgerentry")


@time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False)
def test_it_numbers_concurrent_credit_notes_without_gaps_or_duplicates(patient):
    from django.db import transaction

    invoices = [issued_invoice(patient) for _ in range(6)]

    def reduce(invoice_id: int) -> LedgerEntry:
        with transaction.atomic():
            invoice = services.invoice_lock(invoice_id=invoice_id)
            return services.invoice_adjust(
                invoice=invoice, kind="reduction", amount=Decimal("10.00"), reference="", note="agreed", by=None
            )

    def correct(invoice_id: int) -> LedgerEntry:
        return services.invoice_credit(invoice_id=invoice_id, amount="5.00", reason="price", by=None)

    calls = [lambda i=invoice.pk: reduce(i) for invoice in invoices[:3]]
    calls += [lambda i=invoice.pk: correct(i) for invoice in invoices[3:]]
    results = run_together(calls)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(CreditNote.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert list(credit_entries_without_credit_note()) == []


def test_the_ledger_is_verified_on_one_snapshot(monkeypatch):
    """A payment committed between reading the sums and reading the invoices is no false disagreement: every
    read of the check sees the same snapshot."""
    seen = []

    def reads(invoice_ids):
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            seen.append(cursor.fetchone()[0])
        return []

    monkeypatch.setattr(ledger, "_ledger_problems", reads)

    assert services.ledger_verify() == []
    assert seen == ["repeatable read"]


def test_it_keeps_the_owed_sums_exact_under_concurrent_payments_and_issues(patient, other_patient):
    # Invoices of two patients falling due the same day share that day's OwedByDueDate row: the writers wait
    # for each other on it and none of their parts is lost.
    invoices = [issued_invoice(owner) for owner in (patient, other_patient) for _ in range(3)]
    drafts = [draft_invoice(owner) for owner in (patient, other_patient)]

    def pay(invoice_id: int):
        return lambda: services.payment_record(
            invoice_id=invoice_id, amount="25.00", payer="patient", method="card", by=None
        )

    results = run_together(
        [pay(invoice.pk) for invoice in invoices]
        + [lambda d=d: services.invoice_issue(invoice_id=d.pk, by=None, today=date(2026, 11, 2)) for d in drafts]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert services.owed_sums_verify() == []
    assert OwedByDueDate.objects.get().invoice_count == 8
