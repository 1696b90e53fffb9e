"""The demo's sample bank files: written by seed_demo for its own invoices, ready for billing to import."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from payments_in import selectors, services
from payments_in.models import BankFile, BankTransaction, QueueReason

pytestmark = pytest.mark.django_db


def test_seed_demo_writes_an_ocr_giro_and_a_camt054_file_that_pay_demo_invoices(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    folder = Path(settings.DEMO_BANK_FILES_DIR)
    assert "demo-ocr-giro.txt" in out.getvalue() and "demo-camt054.xml" in out.getvalue()
    reports = [
        services.bank_file_import(content=path.read_bytes(), filename=path.name, source="upload", by=None)
        for path in (folder / "demo-ocr-giro.txt", folder / "demo-camt054.xml")
    ]
    assert [(r.status, r.posted_count, r.queued_count) for r in reports] == [("imported", 2, 1), ("imported", 1, 1)]
    bad_kid = BankTransaction.objects.get(queue_reason=QueueReason.BAD_CHECK_DIGIT)
    no_reference = BankTransaction.objects.get(queue_reason=QueueReason.NO_REFERENCE)
    assert bad_kid.amount == Decimal("250.00")
    [best, *_others] = selectors.suggestions_for(no_reference)
    assert set(best.reasons) >= {"amount", "name"}
    # A second run of seed_demo creates nothing and leaves the files as they are.
    call_command("seed_demo", stdout=StringIO())
    again = services.bank_file_import(
        content=(folder / "demo-ocr-giro.txt").read_bytes(), filename="again.txt", source="upload", by=None
    )
    assert (again.posted_count, again.duplicate_count) == (0, 3)
    assert BankFile.objects.count() == 3
