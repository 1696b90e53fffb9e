"""Payment references: KID MOD10 (Luhn) and MOD11, with DOMAIN.md's test vectors."""

from hypothesis import given
from hypothesis import strategies as st

from invoices.payment_reference import account_reference, kid_check_digit, kid_for_invoice, kid_is_valid


def test_it_computes_mod10_test_vectors():
    assert "1234" + kid_check_digit("1234", "MOD10") == "12344"
    assert "234567" + kid_check_digit("234567", "MOD10") == "2345676"


def test_it_computes_mod11_test_vectors():
    assert "1234" + kid_check_digit("1234", "MOD11") == "12343"
    assert "1234567890" + kid_check_digit("1234567890", "MOD11") == "12345678903"


def test_it_reports_mod11_check_value_ten_as_none():
    # "6" weighs 2: 12 % 11 = 1, and 11 - 1 = 10, which MOD11 cannot write as one digit.
    assert kid_check_digit("6", "MOD11") is None


@given(year=st.integers(2000, 2099), sequence=st.integers(1, 99_999), scheme=st.sampled_from(["MOD10", "MOD11"]))
def test_it_always_builds_a_valid_kid_of_the_configured_length(year, sequence, scheme):
    kid = kid_for_invoice(year=year, sequence=sequence, length=12, scheme=scheme)
    assert len(kid) == 12
    assert kid_is_valid(kid, scheme)


@given(sequence=st.integers(1, 99_999))
def test_it_gives_distinct_invoices_distinct_kids(sequence):
    assert kid_for_invoice(year=2026, sequence=sequence, length=12) != kid_for_invoice(
        year=2026, sequence=sequence + 1, length=12
    )


def test_it_rejects_a_mistyped_kid():
    kid = kid_for_invoice(year=2026, sequence=42, length=12)
    mistyped = kid[:-2] + str((int(kid[-2]) + 1) % 10) + kid[-1]
    assert not kid_is_valid(mistyped)


def test_it_builds_a_luhn_checked_us_account_reference():
    reference = account_reference(patient_id=12, year=2026, sequence=7)
    assert reference.startswith("0000012-26000007")
    assert kid_is_valid(reference.replace("-", ""), "MOD10")
