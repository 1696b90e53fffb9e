"""seed_scale builds a data set the services would have built: the ledger, numbers and references hold."""

import os
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bench.seed_scale.foreign_keys import foreign_keys_checked_after
from bench.seed_scale.rows import RowWriter
from disputes.models import Complaint, Decision
from invoices.models import CreditNote, Invoice, InvoiceLine, InvoiceNumberCounter
from invoices.payment_reference import kid_is_valid
from invoices.selectors import credit_entries_without_credit_note, invoices_overdue
from invoices.services import ledger_verify

INVOICES = 300


@pytest.fixture
def seeded(db):
    call_command("seed_scale", invoices=INVOICES, seed=7, force=True, stdout=StringIO())


def test_it_creates_the_invoices_asked_for_with_a_clean_ledger(seeded):
    assert Invoice.objects.count() == INVOICES
    assert ledger_verify() == []


def _insert_checks_enabled() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'invoices_invoiceline'::regclass "
            "AND tgfoid = 'pg_catalog.\"RI_FKey_check_ins\"'::regproc"
        )
        return {row[0] for row in cursor.fetchall()}


def test_it_refuses_a_row_whose_parent_does_not_exist_with_the_row_checks_off(db):
    if connection.vendor != "postgresql":
        pytest.skip("the checks are switched off on PostgreSQL only")
    line = RowWriter(InvoiceLine)
    line.add(
        id=1, invoice_id=987654, position=1, code="2ad", description="Consultation", quantity=1, unit_price=1, amount=1
    )
    with (
        pytest.raises(CommandError, match=r"invoices_invoiceline\.invoice_id"),
        foreign_keys_checked_after(["invoices_invoiceline"]),
    ):
        assert _insert_checks_enabled() == {"D"}  # the row checks are off while the seed writes
        line.flush()
    assert _insert_checks_enabled() == {"O"}


def test_it_numbers_each_year_gaplessly_and_leaves_the_counter_at_the_last_number(seeded):
    sequences = defaultdict(list)
    for year, sequence, number in Invoice.objects.issued().values_list("year", "sequence", "number"):
        sequences[year].append(sequence)
        assert number == f"{year}-{sequence:06d}"
    assert len(sequences) >= 2  # two years of invoices
    for year, numbers in sequences.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert InvoiceNumberCounter.objects.get(series="invoice", year=year).last_value == len(numbers)


def test_it_gives_every_issued_invoice_a_valid_kid(seeded, settings):
    references = list(Invoice.objects.issued().values_list("payment_reference", flat=True))
    assert all(kid_is_valid(reference, settings.PAYMENT_REFERENCE_SCHEME) for reference in references)


def test_it_makes_about_fifteen_percent_overdue(seeded):
    overdue = invoices_overdue(today=timezone.localdate()).count()
    assert 0.09 * INVOICES <= overdue <= 0.21 * INVOICES


def test_it_stores_a_decision_with_every_complaint(seeded):
    assert Complaint.objects.count() == Decision.objects.count()


def test_it_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_scale", invoices=INVOICES, stdout=StringIO())
    assert not Invoice.objects.exists()


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False)
def test_it_gives_every_approved_adjustment_a_credit_note_numbered_gaplessly():
    # Enough invoices (on a pinned day) for the simulation to approve some adjustments.
    call_command("seed_scale", invoices=1000, seed=3, force=True, stdout=StringIO())

    assert CreditNote.objects.exists()
    assert not credit_entries_without_credit_note().exists()
    for year in set(CreditNote.objects.values_list("year", flat=True)):
        sequences = sorted(CreditNote.objects.filter(year=year).values_list("sequence", flat=True))
        assert sequences == list(range(1, len(sequences) + 1))
        assert InvoiceNumberCounter.objects.get(series=CreditNote.SERIES, year=year).last_value == len(sequences)
    assert not Invoice.objects.issued().filter(buyer_details={}).exists()
    assert ledger_verify() == []


def test_the_benchmark_settings_start_django():
    """`make bench` measures under bench.settings: every app must load there (a storage the app's models ask for
    that bench.settings left out stopped the whole benchmark once)."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr[-2000:]
