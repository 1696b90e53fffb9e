"""PostgreSQL itself keeps the books: issued lines frozen, ledger and lines never truncated (issue 12, item 9).

The ledger's row trigger (migration 0002) does not fire on TRUNCATE, and nothing in the database froze
an issued invoice's lines; these statements bypass the models' own refusals, as a console or a careless
script would.
"""

import os

import pytest
from django.db import DatabaseError, connection, transaction

from tests.factories import draft_invoice, issued_invoice

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the guards are PostgreSQL triggers",
    ),
    pytest.mark.django_db,
]


def refused(sql: str, params: list[object] | None = None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_the_database_refuses_to_edit_a_line_of_an_issued_invoice(patient):
    invoice = issued_invoice(patient)
    assert refused("UPDATE invoices_invoiceline SET unit_price = 1, amount = 1 WHERE invoice_id = %s", [invoice.pk])
    assert list(invoice.lines.values_list("amount", flat=True)) != [1, 1]


def test_the_database_refuses_to_delete_a_line_of_an_issued_invoice(patient):
    invoice = issued_invoice(patient)
    assert refused("DELETE FROM invoices_invoiceline WHERE invoice_id = %s", [invoice.pk])
    assert invoice.lines.count() == 2


def test_the_database_refuses_to_move_a_line_onto_an_issued_invoice(patient):
    issued = issued_invoice(patient)
    draft = draft_invoice(patient)
    assert refused("UPDATE invoices_invoiceline SET invoice_id = %s WHERE invoice_id = %s", [issued.pk, draft.pk])
    assert issued.lines.count() == 2


def test_the_database_lets_a_draft_change_its_lines(patient):
    draft = draft_invoice(patient)
    assert not refused("UPDATE invoices_invoiceline SET description = 'Corrected' WHERE invoice_id = %s", [draft.pk])
    assert not refused("DELETE FROM invoices_invoiceline WHERE invoice_id = %s", [draft.pk])
    assert draft.lines.count() == 0


@pytest.mark.parametrize("table", ["invoices_ledgerentry", "invoices_invoiceline", "invoices_invoice"])
def test_the_database_refuses_to_truncate_the_books(patient, table):
    issued_invoice(patient)
    # The test suite allows TRUNCATE in its sessions to flush between tests (tests/conftest.py).
    assert refused(f"SET LOCAL clinic_billing.allow_truncate = off; TRUNCATE {table} CASCADE")
    assert patient.invoices.get().entries.count() == 1
