"""parse_bank_file recognises the format from the content and refuses whatever it cannot read, never crashing."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest

from payments_in.parsers import BankFileRefused, FileFormat, parse_bank_file
from payments_in.samples import SamplePayment, camt054_file, ocr_giro_file, x12_835_file

PAYMENTS = [SamplePayment(kid="1000421", amount=Decimal("100.00"), paid_on=date(2026, 3, 2), seed=7)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (ocr_giro_file(PAYMENTS), FileFormat.OCR_GIRO),
        (camt054_file(PAYMENTS), FileFormat.CAMT_054),
        (x12_835_file(PAYMENTS), FileFormat.X12_835),
        (b"\xef\xbb\xbf" + ocr_giro_file(PAYMENTS), FileFormat.OCR_GIRO),
        (ocr_giro_file(PAYMENTS).replace(b"\n", b"\r\n"), FileFormat.OCR_GIRO),
    ],
)
def test_it_recognises_the_format_from_the_content(content, expected):
    assert parse_bank_file(content, filename="anything.dat").format == expected


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(content):
    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert (refused.value.line, refused.value.reason) == (None, "The file is empty.")


@pytest.mark.parametrize(
    "content",
    [
        b"Date;Amount;KID\n2026-03-02;100.00;1000421\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"<html><body>Not a bank file</body></html>",
    ],
)
def test_it_refuses_a_file_of_another_kind(content):
    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert refused.value.line == 1
    assert refused.value.reason in {
        "This is not a bank file we can read: expected Nets OCR Giro, ISO 20022 camt.053/camt.054 or X12 835.",
        "This XML is not a camt.053 or camt.054 (versions 02 to 13) bank file: its namespace is ''.",
    }


def test_it_refuses_binary_garbage():
    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(bytes(range(256)) * 4)

    assert (refused.value.line, refused.value.reason) == (1, "This is not a text file: it holds control characters.")


def test_it_refuses_control_characters_inside_an_ocr_file():
    lines = ocr_giro_file(PAYMENTS).splitlines()
    lines[2] = lines[2][:40] + b"\x00" + lines[2][41:]

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(b"\n".join(lines))

    assert (refused.value.line, refused.value.reason) == (3, "This is not a text file: it holds control characters.")


def test_it_reads_a_latin_1_ocr_file():
    lines = ocr_giro_file(PAYMENTS).decode().splitlines()
    # A purchase with free text (type 21): amount item 3 carries the terminal's text, in ISO-8859-1.
    lines[2] = lines[2][:4] + "21" + lines[2][6:]
    lines[3] = lines[3][:4] + "21" + lines[3][6:]
    lines.insert(4, "NY092132" + lines[2][8:15] + f"{'Kjøp på Ålesund legesenter':40}" + "0" * 25)
    lines[-2] = lines[-2][:16] + f"{int(lines[-2][16:24]) + 1:08d}" + lines[-2][24:]
    lines[-1] = lines[-1][:16] + f"{int(lines[-1][16:24]) + 1:08d}" + lines[-1][24:]

    parsed = parse_bank_file("\n".join(lines).encode("latin-1"))

    assert [t.amount for t in parsed.transactions] == [Decimal("100.00")]


def test_it_turns_an_unexpected_library_failure_into_a_refusal(caplog):
    failure = RuntimeError("netsgiro broke on Kari Nordmann's payment")
    with (
        mock.patch("payments_in.parsers.parse_ocr_giro", side_effect=failure),
        pytest.raises(BankFileRefused) as refused,
    ):
        parse_bank_file(ocr_giro_file(PAYMENTS), filename="nets.txt")

    assert refused.value.reason == "The file could not be read: netsgiro broke on Kari Nordmann's payment"
    assert "bank file 'nets.txt' could not be parsed: RuntimeError" in caplog.text
    assert "Kari" not in caplog.text
