"""Any list of payments written as a bank file parses back to the same money, references and unique ids."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from payments_in.parsers import ParsedFile, parse_bank_file
from payments_in.samples import SamplePayment, camt054_file, ocr_giro_file, x12_835_file

payments = st.lists(
    st.builds(
        SamplePayment,
        kid=st.text(alphabet="0123456789", min_size=2, max_size=25),
        amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2),
        paid_on=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
        payer_name=st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåÆØÅ -", max_size=40),
        seed=st.integers(min_value=0, max_value=10**9),
    ),
    min_size=1,
    max_size=30,
)


def _check_round_trip(written: list[SamplePayment], content: bytes) -> ParsedFile:
    """Same amounts, unique ids, and the same ids again on a second parse; returns the parsed file."""
    parsed = parse_bank_file(content)
    again = parse_bank_file(content)

    assert [t.amount for t in parsed.transactions] == [payment.amount for payment in written]
    ids = [t.transaction_id for t in parsed.transactions]
    assert len(set(ids)) == len(ids)
    assert ids == [t.transaction_id for t in again.transactions]
    return parsed


@settings(max_examples=60, deadline=None)
@given(payments)
def test_an_ocr_giro_file_round_trips(written):
    content = ocr_giro_file(written)

    parsed = _check_round_trip(written, content)
    assert [t.reference for t in parsed.transactions] == [payment.kid for payment in written]
    assert [t.booked_on for t in parsed.transactions] == [payment.paid_on for payment in written]
    assert parsed.declared_total == sum(payment.amount for payment in written)


@settings(max_examples=60, deadline=None)
@given(payments, st.sampled_from(["02", "04", "06", "08", "10"]))
def test_a_camt_054_file_round_trips(written, version):
    content = camt054_file(written, version=version)

    parsed = _check_round_trip(written, content)
    assert [(t.reference, t.booked_on, t.payer_name) for t in parsed.transactions] == [
        (payment.kid, payment.paid_on, payment.payer_name.strip()) for payment in written
    ]


@settings(max_examples=15, deadline=None)  # pyx12 loads its maps for every file
@given(payments)
def test_an_x12_835_file_round_trips(written):
    content = x12_835_file(written)

    parsed = _check_round_trip(written, content)
    assert [t.claim_id for t in parsed.transactions] == [payment.kid for payment in written]
