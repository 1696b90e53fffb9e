"""ISO 20022 camt.054 and camt.053: a bank's notification and statement, versions, summaries and bad files."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from payments_in.parsers import BankFileRefused, FileFormat, parse_bank_file
from payments_in.samples import SamplePayment, camt054_file

DATA = Path(__file__).parent / "data"


def _payments() -> list[SamplePayment]:
    return [
        SamplePayment(kid="1000421", amount=Decimal("1250.00"), paid_on=date(2026, 3, 4), payer_name="Kari", seed=1),
        SamplePayment(kid="1000439", amount=Decimal("700.00"), paid_on=date(2026, 3, 4), payer_name="Ola", seed=2),
    ]


def test_it_reads_a_banks_credit_notification():
    parsed = parse_bank_file((DATA / "camt054_dnb_style.xml").read_bytes())

    assert (parsed.format, parsed.file_id, parsed.created_on) == (
        FileFormat.CAMT_054,
        "DNB2026030500417",
        date(2026, 3, 5),
    )
    assert (parsed.declared_count, parsed.declared_total) == (4, Decimal("3725.00"))
    assert [(t.transaction_id, t.amount, t.reference, t.payer_name, t.payer_account) for t in parsed.transactions] == [
        ("camt:*50040300231-0001", Decimal("1250.00"), "1000421", "Kari Nordmann", "12345678903"),
        ("camt:*50040300231-0002", Decimal("700.00"), "1000439", "Ola Nordmann", "NO9386011117947"),
        ("camt:*50040300231-0003", Decimal("500.00"), "1000447", "Åse Bråten", ""),
        # No structured reference: the digits of the payer's message; no own reference: the entry's.
        ("camt:50040300245", Decimal("825.00"), "1000454", "Per Hansen", ""),
        # A returned payment is a debit: a negative amount, with the creditor it went back to.
        ("camt:*50040227810-0004", Decimal("-300.00"), "1000462", "Nils Olsen", ""),
    ]
    assert all(t.currency == "NOK" and t.booked_on == date(2026, 3, 4) for t in parsed.transactions)
    assert [t.line for t in parsed.transactions] == [68, 109, 142, 193, 231]


def test_it_lists_an_entry_not_yet_booked_instead_of_dropping_it():
    parsed = parse_bank_file((DATA / "camt054_dnb_style.xml").read_bytes())

    assert parsed.skipped == ("line 250: entry of 150.00 NOK not booked yet (status PDNG)",)


def test_it_gives_a_transaction_the_same_id_in_the_statement_and_in_the_notification():
    notification = parse_bank_file((DATA / "camt054_dnb_style.xml").read_bytes())
    statement = parse_bank_file((DATA / "camt053_dnb_style.xml").read_bytes())

    assert statement.format == FileFormat.CAMT_053
    shared = {t.transaction_id for t in statement.transactions} & {t.transaction_id for t in notification.transactions}
    assert shared == {"camt:*50040300231-0001", "camt:*50040300231-0002", "camt:*50040300231-0003"}


def test_it_returns_a_statements_bank_charges_as_debits():
    statement = parse_bank_file((DATA / "camt053_dnb_style.xml").read_bytes())

    charges = [(t.transaction_id, t.amount, t.booked_on) for t in statement.transactions if t.amount < 0]
    assert charges == [
        ("camt:50040300377", Decimal("-250.00"), date(2026, 3, 4)),
        ("camt:50040300390", Decimal("-50.00"), date(2026, 3, 4)),
    ]


def test_it_qualifies_an_entry_number_with_the_account_and_the_day():
    # Without the bank's reference, the entry number (unique only among the account's entries) identifies it.
    content = re.sub(rb"<AcctSvcrRef>[^<]*</AcctSvcrRef>", b"", camt054_file(_payments()))

    parsed = parse_bank_file(content)

    assert [t.transaction_id for t in parsed.transactions] == [
        "camt:NO5915032080119:20260304:1",
        "camt:NO5915032080119:20260304:2",
    ]


def test_it_qualifies_the_payers_end_to_end_id_with_the_account_and_the_day():
    content = re.sub(rb"<AcctSvcrRef>[^<]*</AcctSvcrRef>|<NtryRef>[^<]*</NtryRef>", b"", camt054_file(_payments()))
    content = content.replace(b"<EndToEndId>NOTPROVIDED</EndToEndId>", b"<EndToEndId>INV-1</EndToEndId>", 1)

    parsed = parse_bank_file(content)

    assert [t.transaction_id for t in parsed.transactions] == [
        "camt:NO5915032080119:20260304:INV-1",
        "camt:NO5915032080119:20260304:700.00:1000439",
    ]


@pytest.mark.parametrize("version", ["02", "03", "04", "05", "06", "07", "08", "09", "10"])
def test_it_reads_every_version(version):
    parsed = parse_bank_file(camt054_file(_payments(), version=version))

    assert [(t.amount, t.reference, t.payer_name) for t in parsed.transactions] == [
        (Decimal("1250.00"), "1000421", "Kari"),
        (Decimal("700.00"), "1000439", "Ola"),
    ]


@pytest.mark.parametrize(
    ("message", "reference"),
    [
        ("1000 4541", "10004541"),
        ("Faktura 1000454 tannlege 2026", "1000454"),
        ("Konto 1234567890123456789012345678 faktura 55", "55"),
        ("Takk for hjelpen", ""),
    ],
)
def test_it_takes_a_number_that_could_be_a_kid_from_the_payers_message(message, reference):
    content = camt054_file(_payments()[:1]).replace(
        b"<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd>\n</CdOrPrtry></Tp><Ref>1000421</Ref>\n"
        b"</CdtrRefInf></Strd></RmtInf>",
        f"<RmtInf><Ustrd>{message}</Ustrd></RmtInf>".encode(),
    )

    parsed = parse_bank_file(content)

    assert parsed.transactions[0].reference == reference


def test_it_refuses_a_summary_that_does_not_match_the_entries():
    content = camt054_file(_payments()).replace(b"<Sum>1950.00</Sum>", b"<Sum>1950.01</Sum>", 1)

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert refused.value.reason == (
        "The transactions summary (TtlNtries) declares 2 entries for 1950.01, but the file holds 2 entries for 1950.00."
    )
    assert refused.value.line == 8  # the summary's


def test_it_refuses_an_entry_without_an_amount():
    content = (DATA / "camt054_dnb_style.xml").read_bytes().replace(b'<Amt Ccy="NOK">825.00</Amt>', b"", 1)

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert (refused.value.line, refused.value.reason) == (171, "The entry has no amount.")


def test_it_refuses_one_of_several_transactions_without_an_amount():
    content = (DATA / "camt054_dnb_style.xml").read_bytes().replace(b'<Amt Ccy="NOK">700.00</Amt>', b"", 1)

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert (refused.value.line, refused.value.reason) == (109, "The transaction has no amount.")


def test_it_refuses_an_amount_without_a_currency():
    content = camt054_file(_payments()).replace(b'<Amt Ccy="NOK">700.00</Amt>', b"<Amt>700.00</Amt>", 1)

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert refused.value.reason == "'700.00' is not an amount with a currency."


def test_it_refuses_a_negative_amount():
    content = camt054_file(_payments()).replace(b'<Amt Ccy="NOK">700.00</Amt>', b'<Amt Ccy="NOK">-700.00</Amt>')

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert refused.value.reason == (
        "-700.00 is negative; a camt amount is unsigned, its credit/debit indicator gives the sign."
    )


def test_it_refuses_xml_that_does_not_parse():
    content = camt054_file(_payments()).replace(b"</NtryRef>", b"</NtryReff>", 1)

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert refused.value.line == 12
    assert refused.value.reason.startswith("The XML does not parse: Opening and ending tag mismatch: NtryRef")


def test_it_refuses_a_truncated_file():
    content = camt054_file(_payments())

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content[: len(content) // 2])

    assert refused.value.reason.startswith("The XML does not parse")
    assert refused.value.line is not None


def test_it_refuses_other_iso_20022_messages():
    content = camt054_file(_payments()).replace(b"camt.054.001.08", b"pain.001.001.09")

    with pytest.raises(BankFileRefused) as refused:
        parse_bank_file(content)

    assert refused.value.reason == (
        "This XML is not a camt.053 or camt.054 (versions 02 to 13) bank file: its namespace is "
        "'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'."
    )


def test_it_does_not_resolve_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("1234567")
    content = (
        camt054_file(_payments())
        .replace(
            b"<?xml version='1.0' encoding='utf-8'?>",
            f"<?xml version='1.0'?><!DOCTYPE Document [<!ENTITY x SYSTEM 'file://{secret}'>]>".encode(),
        )
        .replace(b"<Ref>1000421</Ref>", b"<Ref>&x;</Ref>")
    )

    parsed = parse_bank_file(content)

    assert "1234567" not in {t.reference for t in parsed.transactions}
