"""Who pays what on a bill (invoices.shares): the rows exist only for the shares a bill has, and always add up
to what the ledger says the patient owes, for every kind of coverage and any ledger history."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from invoices import shares
from invoices.models import InsuranceStatus, Invoice, LedgerEntry
from invoices.shares import Audience, BillFacts, Entry, InsurerKind, RowKind, SharesDoNotAddUp, bill_shares

D = Decimal
Kind = LedgerEntry.Kind


def kinds(result: shares.BillShares) -> list[RowKind]:
    return [row.kind for row in result.rows]


def amounts(result: shares.BillShares) -> list[Decimal]:
    return [row.amount for row in result.rows]


def test_it_shows_only_the_total_and_what_to_pay_for_a_self_pay_bill():
    result = bill_shares(BillFacts(total=D("183.00"), entries=(Entry(Kind.CHARGE, D("183.00")),)))

    assert kinds(result) == [RowKind.TOTAL, RowKind.TO_PAY]
    assert result.owed == D("183.00")
    assert result.pending_note is None


def test_it_adds_what_a_settled_insurer_did_not_pay_to_the_patients_part():
    # The French bill of the issue: 1,250 expected from the insurer, 1,000 paid, 183 the patient's own.
    facts = BillFacts(
        total=D("1433.00"),
        insurer_share=D("1250.00"),
        insurance_status=InsuranceStatus.SETTLED,
        entries=(Entry(Kind.CHARGE, D("1433.00")), Entry(Kind.INSURANCE_PAYMENT, D("-1000.00"))),
    )

    result = bill_shares(facts)

    assert kinds(result) == [
        RowKind.TOTAL,
        RowKind.INSURER_SHARE,
        RowKind.NOT_COVERED,
        RowKind.THIRD_PARTY_SHORTFALL,
        RowKind.TO_PAY,
    ]
    assert amounts(result) == [D("1433.00"), D("-1250.00"), D("183.00"), D("250.00"), D("433.00")]
    assert [row.sign for row in result.rows] == ["", "−", "", "+", ""]


def test_it_never_calls_what_a_frikort_patient_owes_her_share():
    facts = BillFacts(
        total=D("278.00"),
        card_share=D("183.00"),
        insurance_status=InsuranceStatus.PENDING,
        entries=(Entry(Kind.CHARGE, D("278.00")), Entry(Kind.PATIENT_PAYMENT, D("-50.00"))),
    )

    result = bill_shares(facts)

    assert kinds(result) == [
        RowKind.TOTAL,
        RowKind.CARD_SHARE,
        RowKind.NOT_COVERED,
        RowKind.PAID_BY_PATIENT,
        RowKind.TO_PAY,
    ]
    assert str(result.rows[2].label) == "Not covered by your exemption card"
    assert result.owed == D("45.00")
    assert "insurer" not in str(result.pending_note)
    assert "exemption card" in str(result.pending_note)


def test_it_says_the_health_insurance_pays_directly_under_tiers_payant():
    facts = BillFacts(
        total=D("30.00"),
        insurer_share=D("21.00"),
        insurer_kind=InsurerKind.TIERS_PAYANT,
        insurance_status=InsuranceStatus.PENDING,
        entries=(Entry(Kind.CHARGE, D("30.00")),),
    )

    result = bill_shares(facts)

    assert str(result.rows[1].label) == "Paid directly to us by your health insurance (tiers payant)"
    assert result.rows[1].paid_so_far is None  # nothing paid yet: "expected" says it
    assert result.owed == D("9.00")
    assert "health insurance" in str(result.pending_note)


def test_it_leaves_out_the_subtotal_when_nothing_follows_it():
    facts = BillFacts(
        total=D("1312.00"),
        insurer_share=D("1250.00"),
        insurance_status=InsuranceStatus.PENDING,
        entries=(Entry(Kind.CHARGE, D("1312.00")),),
    )

    assert kinds(bill_shares(facts)) == [RowKind.TOTAL, RowKind.INSURER_SHARE, RowKind.TO_PAY]


def test_it_ends_a_draft_at_the_patients_part_with_nothing_to_pay_yet():
    result = bill_shares(BillFacts(total=D("278.00"), card_share=D("183.00"), booked=False))

    assert kinds(result) == [RowKind.TOTAL, RowKind.CARD_SHARE, RowKind.NOT_COVERED]
    assert result.owed == D("95.00")


def test_it_ends_with_a_credit_when_the_patient_paid_twice():
    facts = BillFacts(
        total=D("183.00"),
        entries=(
            Entry(Kind.CHARGE, D("183.00")),
            Entry(Kind.PATIENT_PAYMENT, D("-183.00")),
            Entry(Kind.PATIENT_PAYMENT, D("-183.00")),
        ),
    )

    result = bill_shares(facts)

    assert result.last.kind == RowKind.CREDIT
    assert result.last.amount == D("-183.00")


def test_it_refuses_to_print_rows_that_do_not_add_up():
    # A charge the lines do not account for: printing the rows would show a sum that is wrong.
    facts = BillFacts(total=D("100.00"), entries=(Entry(Kind.CHARGE, D("150.00")),))

    with pytest.raises(SharesDoNotAddUp):
        bill_shares(facts)


def test_its_entry_kinds_are_the_ledgers():
    pure = {
        shares.CHARGE,
        shares.INSURANCE_PAYMENT,
        shares.PATIENT_PAYMENT,
        shares.REVERSAL,
        shares.REMINDER_FEE,
        shares.REFUND,
        shares.CREDIT_TRANSFER_IN,
        shares.CREDIT_TRANSFER_OUT,
        *shares.REDUCTION_KINDS,
    }

    assert pure == set(Kind.values)
    assert shares.SETTLED == InsuranceStatus.SETTLED


def test_the_claim_of_a_notice_is_what_is_owed_without_the_fees():
    facts = BillFacts(
        total=D("183.00"),
        entries=(Entry(Kind.CHARGE, D("183.00")), Entry(Kind.REMINDER_FEE, D("35.00"))),
    )

    result = bill_shares(facts)

    assert [row.kind for row in result.claim_rows()] == [RowKind.TOTAL]
    assert result.claim == D("183.00")
    assert result.owed == D("218.00")


# --- Any bill, any ledger history ---------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10**7).map(lambda n: D(n) / 100)
positive_cents = st.integers(min_value=1, max_value=10**7).map(lambda n: D(n) / 100)

# One posting after the charge: (kind, sign, reversible); a reversal follows its entry when drawn.
POSTINGS = [
    (Kind.INSURANCE_PAYMENT, -1, True),
    (Kind.PATIENT_PAYMENT, -1, True),
    (Kind.REMINDER_FEE, 1, True),
    (Kind.REFUND, 1, True),
    (Kind.REDUCTION, -1, False),
    (Kind.WRITE_OFF, -1, False),
    (Kind.SMALL_CLAIM_CREDIT, -1, False),
    (Kind.CREDIT_NOTE, -1, False),
    (Kind.CREDIT_TRANSFER_IN, -1, False),
    (Kind.CREDIT_TRANSFER_OUT, 1, False),
]


@st.composite
def histories(draw: st.DrawFn, total: Decimal) -> tuple[Entry, ...]:
    entries = [Entry(Kind.CHARGE, total)]
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        kind, sign, reversible = draw(st.sampled_from(POSTINGS))
        amount = draw(positive_cents) * sign
        entries.append(Entry(kind, amount))
        if reversible and draw(st.booleans()):
            entries.append(Entry(Kind.REVERSAL, -amount, reverses_kind=kind))
    return tuple(entries)


@st.composite
def bills(draw: st.DrawFn) -> BillFacts:
    coverage = draw(st.sampled_from(["none", "insurer", "exemption_card", "tiers_payant", "insurer_and_card"]))
    own = draw(cents)
    insurer = draw(positive_cents) if coverage in ("insurer", "tiers_payant", "insurer_and_card") else D("0.00")
    card = draw(positive_cents) if coverage in ("exemption_card", "insurer_and_card") else D("0.00")
    total = own + insurer + card
    third_party = insurer + card > 0
    status = draw(st.sampled_from(list(InsuranceStatus.values))) if third_party else InsuranceStatus.NONE
    return BillFacts(
        total=total,
        insurer_share=insurer,
        card_share=card,
        insurer_kind=InsurerKind.TIERS_PAYANT if coverage == "tiers_payant" else InsurerKind.INSURER,
        insurance_status=status,
        entries=draw(histories(total)),
    )


def patient_due_by_the_model(facts: BillFacts) -> Decimal:
    """What Invoice.patient_due says, from the same ledger."""
    insurer_paid = -sum(
        (entry.amount for entry in facts.entries if Kind.INSURANCE_PAYMENT in (entry.kind, entry.reverses_kind)),
        D("0.00"),
    )
    invoice = Invoice(
        total=facts.total,
        third_party_share=facts.third_party_share,
        balance=sum((entry.amount for entry in facts.entries), D("0.00")),
        insurer_paid=insurer_paid,
        insurance_status=facts.insurance_status,
    )
    return invoice.patient_due


@given(facts=bills(), audience=st.sampled_from(list(Audience)))
def test_the_rows_always_add_up_to_what_the_patient_owes(facts, audience):
    result = bill_shares(facts, audience=audience)

    assert result.rows[0].amount == facts.total
    assert sum((row.amount for row in result.rows if not row.is_subtotal), D("0.00")) == result.last.amount
    assert result.last.amount == result.owed == patient_due_by_the_model(facts)
    running = D("0.00")
    for row in result.rows:
        if row.is_subtotal:
            assert row.amount == running
        else:
            running += row.amount


@given(facts=bills())
def test_a_bill_shows_only_the_shares_it_has(facts):
    result = bill_shares(facts)
    present = set(kinds(result))

    assert (RowKind.INSURER_SHARE in present) == (facts.insurer_share > 0)
    assert (RowKind.CARD_SHARE in present) == (facts.card_share > 0)
    assert RowKind.THIRD_PARTY_SHORTFALL not in present or facts.insurance_status == InsuranceStatus.SETTLED
    assert all(row.amount != 0 for row in result.rows[1:-1] if not row.is_subtotal)
    if facts.insurer_share == 0:
        assert not any("insurer" in str(row.label) for row in result.rows)
        assert result.pending_note is None or "insurer" not in str(result.pending_note)


@given(facts=bills())
def test_no_row_calls_what_is_owed_a_co_payment_in_norwegian(facts):
    result = bill_shares(facts)

    with translation.override("nb"):
        labels = [str(row.label).casefold() for row in result.rows]

    assert not any("egenandel" in label for label in labels)


def test_it_says_what_a_third_party_paid_so_far_only_when_it_paid_part():
    def paid(amount: str) -> Decimal | None:
        facts = BillFacts(
            total=D("1312.00"),
            insurer_share=D("1250.00"),
            insurance_status=InsuranceStatus.PENDING,
            entries=(Entry(Kind.CHARGE, D("1312.00")), Entry(Kind.INSURANCE_PAYMENT, -D(amount)))
            if amount != "0"
            else (Entry(Kind.CHARGE, D("1312.00")),),
        )
        return bill_shares(facts).rows[1].paid_so_far

    assert (paid("0"), paid("1000.00"), paid("1250.00")) == (None, D("1000.00"), None)
