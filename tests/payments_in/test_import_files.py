"""Real bank files through the whole import: written by payments_in.samples, parsed, matched and posted."""

from datetime import date
from decimal import Decimal

import pytest

from payments_in import services
from payments_in.models import BankFile, BankTransaction, QueueReason
from payments_in.samples import SamplePayment, camt054_file, ocr_giro_file
from tests.factories import issue

pytestmark = pytest.mark.django_db

PAID = date(2026, 1, 22)


def import_file(content: bytes, name: str) -> BankFile:
    return services.bank_file_import(content=content, filename=name, source=BankFile.Source.UPLOAD, by=None)


@pytest.mark.parametrize(("writer", "name"), [(ocr_giro_file, "ocr.txt"), (camt054_file, "camt054.xml")])
def test_a_bank_file_pays_the_invoices_its_kids_name_once_however_often_it_arrives(patient, writer, name):
    first, second = issue(patient), issue(patient)
    payments = [
        SamplePayment(first.payment_reference, Decimal("500.00"), PAID, "Kari Nordmann", seed=1),
        SamplePayment(second.payment_reference, Decimal("200.00"), PAID, "Kari Nordmann", seed=2),
        SamplePayment("123456789014", Decimal("99.00"), PAID, "Ola Ukjent", seed=3),  # a bad check digit
    ]
    imported = import_file(writer(payments), name)
    again = import_file(writer(payments), name)
    overlapping = import_file(
        writer([*payments[1:], SamplePayment(second.payment_reference, Decimal("300.00"), PAID, seed=4)]), name
    )

    assert (imported.status, imported.posted_count, imported.posted_sum) == ("imported", 2, Decimal("700.00"))
    assert (imported.queued_count, imported.queued_sum) == (1, Decimal("99.00"))
    assert (again.duplicate_count, again.posted_count, again.queued_count) == (3, 0, 0)
    assert (overlapping.duplicate_count, overlapping.posted_count) == (2, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.balance, second.balance) == (Decimal("0.00"), Decimal("0.00"))
    queued = BankTransaction.objects.get(status="queued")
    assert queued.queue_reason == QueueReason.BAD_CHECK_DIGIT


def test_a_file_with_wrong_trailer_totals_is_refused_whole(patient):
    invoice = issue(patient)
    content = camt054_file([SamplePayment(invoice.payment_reference, Decimal("500.00"), PAID, seed=1)])
    tampered = content.replace(b"<Sum>500.00</Sum>", b"<Sum>900.00</Sum>", 1)
    bank_file = import_file(tampered, "camt054.xml")
    assert bank_file.status == "refused" and bank_file.refusal_reason
    assert not BankTransaction.objects.exists()
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("500.00")


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7 not a bank file", b"NY000010" + b"0" * 72])
def test_what_is_not_a_bank_file_is_refused_with_a_reason(content):
    bank_file = import_file(content, "upload.bin")
    assert bank_file.status == "refused" and bank_file.refusal_reason
