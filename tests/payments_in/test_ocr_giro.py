"""Nets OCR Giro: netsgiro's real sample, the trailer checks and the transaction ids."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import netsgiro
import pytest

from payments_in.parsers import BankFileRefused, FileFormat, parse_bank_file
from payments_in.samples import SamplePayment, ocr_giro_file

DATA = Path(__file__).parent / "data"


def _payments(count: int = 3) -> list[SamplePayment]:
    return [
        SamplePayment(kid=f"100042{number}", amount=Decimal("250.00") + number, paid_on=date(2026, 3, 2), seed=number)
        for number in range(count)
    ]


def _replace_line(content: bytes, number: int, line: str) -> bytes:
    lines = content.decode("latin-1").splitlines()
    lines[number - 1] = line
    return "\n".join(lines).encode("latin-1")


def test_it_parses_netsgiros_sample_file():
    parsed = parse_bank_file((DATA / "netsgiro_ocr_giro_transactions.txt").read_bytes())

    assert parsed.format == FileFormat.OCR_GIRO
    assert parsed.file_id == "0170031"
    assert parsed.created_on == date(1992, 1, 20)
    assert len(parsed.transactions) == parsed.declared_count == 20
    assert sum(t.amount for t in parsed.transactions) == parsed.declared_total == Decimal("51449.00")
    first = parsed.transactions[0]
    assert (first.reference, first.amount, first.booked_on, first.payer_account, first.line) == (
        "0000531",
        Decimal("1020.00"),
        date(1992, 1, 20),
        "99990512341",
        3,
    )
    assert all(t.currency == "NOK" and t.transaction_id.startswith("ocr:") for t in parsed.transactions)
    assert len({t.transaction_id for t in parsed.transactions}) == 20


def test_it_gives_the_same_ids_when_nets_numbers_the_transactions_differently():
    payments = _payments()
    first = parse_bank_file(ocr_giro_file(payments, transmission_number="1000001"))
    # Another delivery with other transmission and assignment numbers, the payments in another order.
    second = parse_bank_file(ocr_giro_file(payments[::-1], transmission_number="1000002"))

    assert {t.transaction_id for t in first.transactions} == {t.transaction_id for t in second.transactions}


def test_it_numbers_two_payments_that_agree_in_every_field():
    payment = _payments(1)[0]

    parsed = parse_bank_file(ocr_giro_file([payment, payment]))

    ids = [t.transaction_id for t in parsed.transactions]
    assert ids[1] == f"{ids[0]}#2"


def test_it_refuses_a_file_whose_transmission_total_is_wrong():
    content = ocr_giro_file(_payments())
    last = content.decode().splitlines()[-1]
    wrong_total = last[:24] + f"{1:017d}" + last[41:]

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(_replace_line(content, 10, wrong_total))

    assert refused.value.line == 10
    assert "declares 3 transactions, 10 records and 0.01 NOK" in refused.value.reason
    assert "holds 3 transactions, 10 records and 753.00 NOK" in refused.value.reason


def test_it_refuses_a_file_whose_assignment_count_is_wrong():
    content = ocr_giro_file(_payments())
    assignment_end = content.decode().splitlines()[-2]
    wrong_count = assignment_end[:8] + f"{4:08d}" + assignment_end[16:]

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(_replace_line(content, 9, wrong_count))

    assert refused.value.line == 9
    assert "assignment end record declares 4 transactions" in refused.value.reason


def test_it_refuses_a_truncated_file():
    lines = ocr_giro_file(_payments()).decode().splitlines()

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file("\n".join(lines[:5]).encode())

    assert refused.value.line == 5
    assert "truncated" in refused.value.reason


def test_it_refuses_a_line_cut_short():
    lines = ocr_giro_file(_payments()).decode().splitlines()
    lines[3] = lines[3][:60]

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file("\n".join(lines).encode())

    assert (refused.value.line, refused.value.reason) == (
        4,
        "An OCR Giro record is 80 characters long; this one has 60.",
    )


def test_it_refuses_a_record_that_breaks_the_format():
    content = ocr_giro_file(_payments())
    item1 = content.decode().splitlines()[2]

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(_replace_line(content, 3, item1[:32] + "ABC" + item1[35:]))

    assert refused.value.line == 3
    assert refused.value.reason.startswith("The record does not follow the OCR Giro format")


def test_it_refuses_a_transaction_missing_its_second_record():
    lines = ocr_giro_file(_payments()).decode().splitlines()
    del lines[3]

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file("\n".join(lines).encode())

    assert (refused.value.line, refused.value.reason) == (4, "The transaction on line 3 has no amount item 2.")


def test_it_returns_a_card_reversal_as_a_negative_amount():
    lines = ocr_giro_file(_payments(1)).decode().splitlines()
    # Transaction type 18: reversal with KID, from a payment terminal.
    lines[2] = lines[2][:4] + "18" + lines[2][6:]
    lines[3] = lines[3][:4] + "18" + lines[3][6:]

    parsed = parse_bank_file("\n".join(lines).encode())

    assert parsed.transactions[0].amount == Decimal("-250.00")


def test_it_accepts_blank_lines_after_the_last_record():
    parsed = parse_bank_file(ocr_giro_file(_payments()) + b"\r\n\n  \n")

    assert len(parsed.transactions) == 3


def test_it_refuses_a_blank_line_between_records():
    lines = ocr_giro_file(_payments()).decode().splitlines()
    lines.insert(4, "")

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file("\n".join(lines).encode())

    assert (refused.value.line, refused.value.reason) == (
        5,
        "An OCR Giro record is 80 characters long; this one has 0.",
    )


def test_it_refuses_an_avtalegiro_file():
    transmission = netsgiro.Transmission(number="1000081", data_transmitter="00010200", data_recipient="00008080")
    assignment = transmission.add_assignment(
        service_code=netsgiro.ServiceCode.AVTALEGIRO,
        assignment_type=netsgiro.AssignmentType.TRANSACTIONS,
        number="4000086",
        account="88888888888",
    )
    assignment.add_payment_request(kid="000133700501645", due_date=date(2026, 4, 20), amount=Decimal("5.00"))

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(transmission.to_ocr().encode())

    assert (refused.value.line, refused.value.reason) == (
        2,
        "This assignment is not OCR Giro payments (an AvtaleGiro file?).",
    )
