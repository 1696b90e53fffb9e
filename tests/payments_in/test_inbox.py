"""The bank file inbox: files that land in BANK_FILE_INBOX are imported by the beat task and moved aside."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from payments_in.models import BankFile
from payments_in.samples import SamplePayment, ocr_giro_file
from payments_in.tasks import sweep_bank_inbox
from tests.factories import issue

pytestmark = pytest.mark.django_db


def test_the_beat_task_imports_what_lands_in_the_inbox_and_moves_each_file_aside(settings, tmp_path, patient):
    invoice = issue(patient)
    settings.BANK_FILE_INBOX = str(tmp_path)
    good = ocr_giro_file([SamplePayment(invoice.payment_reference, Decimal("500.00"), date(2026, 1, 22), seed=1)])
    (tmp_path / "OCR.20260122.txt").write_bytes(good)
    (tmp_path / "broken.xml").write_bytes(b"<Document>")
    assert sweep_bank_inbox.delay().get() == {"imported": 1, "refused": 1}
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["OCR.20260122.txt", "broken.xml"]
    assert (tmp_path / "imported" / "OCR.20260122.txt").exists() and (tmp_path / "refused" / "broken.xml").exists()
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")
    # The bank sends the same file again: imported again, posting nothing, kept beside the first.
    (tmp_path / "OCR.20260122.txt").write_bytes(good)
    assert sweep_bank_inbox.delay().get() == {"imported": 1, "refused": 0}
    assert (tmp_path / "imported" / "OCR.20260122.1.txt").exists()
    assert BankFile.objects.order_by("-pk").first().duplicate_count == 1


def test_no_inbox_set_imports_nothing(settings):
    settings.BANK_FILE_INBOX = ""
    assert sweep_bank_inbox.delay().get() == {"imported": 0, "refused": 0}


def test_the_catch_up_command_sweeps_the_inbox_too(settings, tmp_path, capsys):
    settings.BANK_FILE_INBOX = str(tmp_path)
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(CommandError, match="sweep-bank-inbox"):
        call_command("run_billing_jobs")
    assert "0 bank file(s) imported, 1 refused" in capsys.readouterr().out
