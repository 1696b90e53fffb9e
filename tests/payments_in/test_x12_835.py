"""X12 835 remittance: claims paid by an insurer, their adjustments, the payment's balance and pyx12's map."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from payments_in.parsers import BankFileRefused, ClaimAdjustment, FileFormat, parse_bank_file
from payments_in.samples import SamplePayment, x12_835_file


def _remittance() -> str:
    payments = [
        SamplePayment(kid="2026-000117", amount=Decimal("180.00"), paid_on=date(2026, 3, 6), seed=88001),
        SamplePayment(kid="2026-000123", amount=Decimal("95.50"), paid_on=date(2026, 3, 6), seed=88002),
    ]
    return x12_835_file(payments, control_number=41, created_at=datetime(2026, 3, 6, 7, 30)).decode()


def test_it_reads_each_claim_payment_with_its_adjustments():
    parsed = parse_bank_file(_remittance().encode())

    assert (parsed.format, parsed.file_id, parsed.created_on, parsed.declared_total) == (
        FileFormat.X12_835,
        "000000041",
        date(2026, 3, 6),
        Decimal("275.50"),
    )
    first = parsed.transactions[0]
    assert (first.payer, first.payer_name, first.claim_id, first.amount, first.currency, first.booked_on) == (
        "insurer",
        "ACME HEALTH INSURANCE",
        "2026-000117",
        Decimal("180.00"),
        "USD",
        date(2026, 3, 6),
    )
    assert first.adjustments == (ClaimAdjustment(group_code="CO", reason_code="45", amount=Decimal("10.00")),)
    assert [t.transaction_id for t in parsed.transactions] == [
        "x12:1512345678:000000041:2026-000117:00000000088001",
        "x12:1512345678:000000041:2026-000123:00000000088002",
    ]
    assert [t.line for t in parsed.transactions] == [13, 16]


def test_it_subtracts_provider_level_adjustments_from_the_claims():
    text = (
        _remittance()
        .replace("BPR*I*275.50*", "BPR*I*250.50*")
        .replace("SE*17*", "PLB*1234567893*20261231*WO:REF1*25.00~\nSE*18*")
    )

    parsed = parse_bank_file(text.encode())

    assert parsed.declared_total == Decimal("250.50")
    assert sum(t.amount for t in parsed.transactions) == Decimal("275.50")


def test_it_refuses_a_payment_that_does_not_equal_its_claims():
    text = _remittance().replace("BPR*I*275.50*", "BPR*I*275.00*")

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(text.encode())

    assert (refused.value.line, refused.value.reason) == (
        3,
        "The payment (BPR02) is 275.00, but the claims paid (CLP04) less the provider adjustments (PLB) "
        "come to 275.50.",
    )


def test_it_refuses_a_segment_that_breaks_the_835_map():
    text = _remittance().replace("CLP*2026-000123*1*105.50*", "CLP*2026-000123*1*1O5.50*")

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(text.encode())

    assert refused.value.line == 16
    assert refused.value.reason.startswith("The X12 file does not follow the 835 implementation guide")
    assert "CLP03" in refused.value.reason


def test_it_refuses_a_truncated_interchange():
    lines = _remittance().splitlines()

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file("\n".join(lines[:14]).encode())

    assert refused.value.reason == (
        "The X12 file does not follow the 835 implementation guide: "
        'Mandatory segment "Interchange Control Trailer" (IEA=000000041) missing'
    )


def test_it_refuses_another_x12_transaction():
    text = _remittance().replace("GS*HP*", "GS*HC*").replace("ST*835*", "ST*837*")

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(text.encode())

    assert (refused.value.line, refused.value.reason) == (
        2,
        "This X12 file is not a claim payment/advice (835): its functional group is 'HC'.",
    )


def test_it_refuses_another_transaction_set_in_a_payment_group():
    text = _remittance().replace("ST*835*", "ST*837*")

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(text.encode())

    assert (refused.value.line, refused.value.reason) == (
        3,
        "This X12 transaction set is a 837, not a claim payment/advice (835).",
    )


def test_it_refuses_a_version_it_has_no_map_for():
    text = _remittance().replace("005010X221A1", "005010X999")

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(text.encode())

    assert refused.value.reason.startswith("The X12 file cannot be validated: Map not found.")


def test_it_numbers_a_claim_reported_twice_in_one_payment():
    payment = SamplePayment(kid="2026-000117", amount=Decimal("180.00"), paid_on=date(2026, 3, 6), seed=1)

    parsed = parse_bank_file(x12_835_file([payment, payment]))

    ids = [t.transaction_id for t in parsed.transactions]
    assert ids[1] == f"{ids[0]}#2"


def test_it_refuses_an_interchange_header_cut_short():
    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(_remittance()[:80].encode())

    assert (refused.value.line, refused.value.reason) == (1, "The X12 interchange header (ISA) is cut short.")


def test_it_keeps_long_ids_short_enough_to_store():
    claim_id = "C" * 38  # CLP01's longest
    payment = SamplePayment(kid=claim_id, amount=Decimal("180.00"), paid_on=date(2026, 3, 6), seed=1)
    text = x12_835_file([payment]).decode().replace("*00000000000001*", "*" + "9" * 50 + "*")

    (transaction,) = parse_bank_file(text.encode()).transactions

    assert len(transaction.transaction_id) == 90
    assert transaction.transaction_id.startswith(f"x12:1512345678:000000001:{claim_id}:999")
    assert transaction.transaction_id == parse_bank_file(text.encode()).transactions[0].transaction_id
