"""Who pays what on one bill, as the rows every document prints: the bill page, the PDF, the staff page and the
reminders render the same list, so the figures add up on paper as on screen.

Pure: frozen dataclasses and Decimals in, labelled rows out; no database. A row exists only for a share that
exists on this bill (no insurer row for a patient without an insurer, no fee row without fees). Each amount is
signed the way it moves what the patient owes (a payment is negative, a fee positive), so the rows add up to the
last one; `bill_shares` checks that, and that the last row is what the ledger says the patient owes
(`Invoice.patient_due`), and raises SharesDoNotAddUp otherwise rather than print a sum that is wrong.

Wording: "what you owe" is never called a co-payment (egenandel): under an exemption card the co-payment is
exactly what the card covers, so the patient reads "Not covered by your exemption card" instead.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ZERO = Decimal("0.00")


class InsurerKind(StrEnum):
    """How the insurer of the insurer-covered lines pays: both pay the clinic; the words differ."""

    INSURER = "insurer"
    # France: the health insurance pays the clinic directly; the patient pays only the ticket modérateur.
    TIERS_PAYANT = "tiers_payant"


class Audience(StrEnum):
    PATIENT = "patient"
    STAFF = "staff"


class RowKind(StrEnum):
    TOTAL = "total"
    INSURER_SHARE = "insurer_share"
    CARD_SHARE = "card_share"
    NOT_COVERED = "not_covered"  # subtotal: what no third party covers
    THIRD_PARTY_SHORTFALL = "third_party_shortfall"  # a settled third party paid less: now the patient's
    THIRD_PARTY_SURPLUS = "third_party_surplus"  # a third party paid more than its share: lowers the patient's
    FEES = "fees"
    REDUCTIONS = "reductions"
    PAID_BY_PATIENT = "paid_by_patient"
    REFUNDED = "refunded"
    TO_PAY = "to_pay"  # the last row when something (or nothing) is owed
    CREDIT = "credit"  # the last row when the patient paid more than they owe


# Ledger entry kinds (invoices.models.LedgerEntry.Kind values), repeated here so the core stays pure; the
# property tests check they are the model's.
CHARGE = "charge"
INSURANCE_PAYMENT = "insurance_payment"
PATIENT_PAYMENT = "patient_payment"
REVERSAL = "reversal"
REMINDER_FEE = "reminder_fee"
REFUND = "refund"
CREDIT_TRANSFER_IN = "credit_transfer_in"
CREDIT_TRANSFER_OUT = "credit_transfer_out"
REDUCTION_KINDS = frozenset({"reduction", "write_off", "small_claim_credit", "credit_note"})
SETTLED = "settled"


@dataclass(frozen=True)
class Entry:
    """One ledger entry, or the sum of several of one kind: its kind, signed amount and, for a reversal, the kind
    it reverses."""

    kind: str
    amount: Decimal
    reverses_kind: str = ""

    @property
    def effective_kind(self) -> str:
        """A reversal counts with what it reverses: a reversed payment is no payment."""
        return self.reverses_kind if self.kind == REVERSAL else self.kind


@dataclass(frozen=True)
class BillFacts:
    """What decides the rows: the lines' total and who covers them, the insurer's answer, and the ledger.

    `booked` is False for a draft (or a cancelled draft): nothing is owed yet, so no "to pay" row.
    """

    total: Decimal
    insurer_share: Decimal = ZERO
    card_share: Decimal = ZERO
    insurer_kind: InsurerKind = InsurerKind.INSURER
    insurance_status: str = "none"
    entries: tuple[Entry, ...] = ()
    booked: bool = True

    @property
    def third_party_share(self) -> Decimal:
        return self.insurer_share + self.card_share


@dataclass(frozen=True)
class ShareRow:
    """One row: `amount` is signed as it moves what is owed; a subtotal (and the last row) shows the running sum
    and is not added. `paid_so_far` is shown beside a third party's share it has paid in part and not settled."""

    kind: RowKind
    label: str | Promise
    amount: Decimal
    is_subtotal: bool = False
    paid_so_far: Decimal | None = None

    @property
    def sign(self) -> str:
        """A plus or a minus sign (U+2212) for a row added to the sum; empty for the total and subtotals."""
        if self.is_subtotal or self.kind == RowKind.TOTAL:
            return ""
        return "−" if self.amount < 0 else "+"

    @property
    def magnitude(self) -> Decimal:
        return abs(self.amount)


@dataclass(frozen=True)
class BillShares:
    rows: tuple[ShareRow, ...]
    owed: Decimal  # what the patient owes now (negative: a credit); the patient's share for a draft
    # Said under the rows while a third party's share is still expected (what is owed may change), naming the
    # third parties this bill has: never "your insurer" to a patient who has none.
    pending_note: str | Promise | None = None

    @property
    def third_party_pending(self) -> bool:
        return self.pending_note is not None

    @property
    def last(self) -> ShareRow:
        return self.rows[-1]

    def claim_rows(self) -> tuple[ShareRow, ...]:
        """The rows before the fees and the last row: how the claim itself (the principal of a notice) is made up."""
        return tuple(row for row in self.rows[:-1] if row.kind != RowKind.FEES)

    @property
    def claim(self) -> Decimal:
        """What is owed without the reminder fees: the principal a notice states apart from its fees."""
        return sum((row.amount for row in self.claim_rows() if not row.is_subtotal), ZERO)


class SharesDoNotAddUp(AssertionError):
    """The rows would not add up to what the ledger says is owed: a kind of entry no row accounts for."""


def _net(entries: Iterable[Entry], kinds: Iterable[str]) -> Decimal:
    wanted = set(kinds)
    return sum((entry.amount for entry in entries if entry.effective_kind in wanted), ZERO)


def owed_by_ledger(facts: BillFacts) -> Decimal:
    """What the patient owes by the ledger's own rule (Invoice.patient_due): the balance less the third party's
    share still expected. Computed apart from the rows, to check them."""
    if not facts.booked:
        return facts.total - facts.third_party_share
    balance = sum((entry.amount for entry in facts.entries), ZERO)
    third_party_paid = -_net(facts.entries, [INSURANCE_PAYMENT])
    outstanding = ZERO
    if facts.insurance_status != SETTLED:
        outstanding = max(ZERO, facts.third_party_share - third_party_paid)
    return balance - outstanding


# Labels, per audience. Lazy: the rows are made once and read in the reader's language.
_PATIENT = {
    RowKind.TOTAL: _("Total for all lines"),
    RowKind.FEES: _("Reminder fees"),
    RowKind.REDUCTIONS: _("Reductions and credits"),
    RowKind.PAID_BY_PATIENT: _("Already paid by you"),
    RowKind.REFUNDED: _("Paid back to you"),
    RowKind.TO_PAY: _("To pay now"),
    RowKind.CREDIT: _("Credit in your favour"),
}
_STAFF = {
    RowKind.TOTAL: _("Total"),
    RowKind.FEES: _("Reminder fees"),
    RowKind.REDUCTIONS: _("Reductions and credits"),
    RowKind.PAID_BY_PATIENT: _("Paid by the patient"),
    RowKind.REFUNDED: _("Refunded to the patient"),
    RowKind.TO_PAY: _("Patient owes now"),
    RowKind.CREDIT: _("Credit in the patient's favour"),
}


def _insurer_share_label(audience: Audience, kind: InsurerKind, settled: bool) -> str | Promise:
    if kind == InsurerKind.TIERS_PAYANT:
        if audience == Audience.STAFF:
            return _("Health insurance's share (tiers payant)")
        return _("Paid directly to us by your health insurance (tiers payant)")
    if audience == Audience.STAFF:
        return _("Insurer's share")
    return _("Your insurer's share") if settled else _("Expected from your insurer")


def _card_share_label(audience: Audience) -> str | Promise:
    if audience == Audience.STAFF:
        return _("Covered by the exemption card (frikort)")
    return _("Covered by your exemption card (frikort)")


def _not_covered_label(audience: Audience, facts: BillFacts) -> str | Promise:
    insurer = facts.insurer_share > 0
    card = facts.card_share > 0
    if audience == Audience.STAFF:
        return pgettext_lazy("invoice totals", "Patient's part")
    if insurer and card:
        return _("Not covered by your insurer or your exemption card")
    if card:
        return _("Not covered by your exemption card")
    if facts.insurer_kind == InsurerKind.TIERS_PAYANT:
        return _("Your part (ticket modérateur)")
    return _("Not covered by your insurer")


def _shortfall_label(audience: Audience, facts: BillFacts) -> str | Promise:
    if audience == Audience.STAFF:
        return _("Not paid by the third party, moved to the patient")
    if facts.insurer_share == 0:
        return _("Not paid under your exemption card: now yours to pay")
    if facts.insurer_kind == InsurerKind.TIERS_PAYANT:
        return _("Not paid by your health insurance: now yours to pay")
    return _("Not paid by your insurer: now yours to pay")


def _surplus_label(audience: Audience) -> str | Promise:
    if audience == Audience.STAFF:
        return _("Paid by the third party beyond its share")
    return _("Paid for you beyond the expected share")


def bill_shares(facts: BillFacts, *, audience: Audience = Audience.PATIENT) -> BillShares:
    """The rows of one bill, from the total down to what the patient owes now.

    Raises SharesDoNotAddUp when the rows would not add up to what the ledger says is owed.
    """
    labels = _STAFF if audience == Audience.STAFF else _PATIENT
    settled = facts.insurance_status == SETTLED
    rows: list[ShareRow] = [ShareRow(RowKind.TOTAL, labels[RowKind.TOTAL], facts.total)]
    third_party_paid = -_net(facts.entries, [INSURANCE_PAYMENT]) if facts.booked else ZERO
    # Only a part paid is worth saying: nothing paid yet is what "expected" says, all paid needs no note.
    partly_paid = ZERO < third_party_paid < facts.third_party_share
    paid_so_far = third_party_paid if facts.booked and not settled and partly_paid else None
    if facts.insurer_share:
        label = _insurer_share_label(audience, facts.insurer_kind, settled)
        rows.append(ShareRow(RowKind.INSURER_SHARE, label, -facts.insurer_share))
    if facts.card_share:
        rows.append(ShareRow(RowKind.CARD_SHARE, _card_share_label(audience), -facts.card_share))
    if paid_so_far is not None and len(rows) > 1:
        rows[-1] = ShareRow(rows[-1].kind, rows[-1].label, rows[-1].amount, paid_so_far=paid_so_far)

    # The third party's answer: once settled, what it did not pay is the patient's; paying more than its share
    # lowers the patient's at any time (the ledger counts every insurance payment).
    difference = facts.third_party_share - third_party_paid
    adjustment = difference if settled else min(ZERO, difference)
    if not facts.booked:
        adjustment = ZERO
    later: list[ShareRow] = []
    if adjustment > 0:
        later.append(ShareRow(RowKind.THIRD_PARTY_SHORTFALL, _shortfall_label(audience, facts), adjustment))
    elif adjustment < 0:
        later.append(ShareRow(RowKind.THIRD_PARTY_SURPLUS, _surplus_label(audience), adjustment))
    if facts.booked:
        fees = _net(facts.entries, [REMINDER_FEE])
        reductions = _net(facts.entries, REDUCTION_KINDS)
        paid = _net(facts.entries, [PATIENT_PAYMENT, CREDIT_TRANSFER_IN, CREDIT_TRANSFER_OUT])
        refunded = _net(facts.entries, [REFUND])
        for kind, amount in (
            (RowKind.FEES, fees),
            (RowKind.REDUCTIONS, reductions),
            (RowKind.PAID_BY_PATIENT, paid),
            (RowKind.REFUNDED, refunded),
        ):
            if amount:
                later.append(ShareRow(kind, labels[kind], amount))

    patient_share = facts.total - facts.third_party_share
    if facts.third_party_share and (later or not facts.booked):
        rows.append(ShareRow(RowKind.NOT_COVERED, _not_covered_label(audience, facts), patient_share, True))
    rows += later
    owed = sum((row.amount for row in rows if not row.is_subtotal), ZERO)
    if facts.booked:
        last = RowKind.CREDIT if owed < 0 else RowKind.TO_PAY
        rows.append(ShareRow(last, labels[last], owed, is_subtotal=True))
    _check(rows, owed, facts)
    pending = facts.booked and not settled and facts.third_party_share > third_party_paid
    return BillShares(rows=tuple(rows), owed=owed, pending_note=_pending_note(audience, facts) if pending else None)


def _pending_note(audience: Audience, facts: BillFacts) -> str | Promise:
    if audience == Audience.STAFF:
        return _("Not final: the third party has not settled yet, so what the patient owes may still change.")
    if facts.insurer_share == 0:
        return _(
            "The part your exemption card covers has not been settled yet. If it is not paid, we will tell you "
            "what is left for you to pay."
        )
    if facts.insurer_kind == InsurerKind.TIERS_PAYANT:
        return _(
            "Your health insurance has not paid its part yet. If it pays less than expected, we will tell you "
            "what is left for you to pay."
        )
    return _(
        "Your insurer has not paid its share yet. If it pays less than expected, we will tell you what is left "
        "for you to pay."
    )


def _check(rows: list[ShareRow], owed: Decimal, facts: BillFacts) -> None:
    running = ZERO
    for row in rows:
        if row.is_subtotal and row.amount != running:
            raise SharesDoNotAddUp(f"{row.kind} shows {row.amount} but the rows above it add up to {running}")
        if not row.is_subtotal:
            running += row.amount
    expected = owed_by_ledger(facts)
    if owed != expected:
        raise SharesDoNotAddUp(f"the rows add up to {owed} but the ledger says {expected} is owed")
