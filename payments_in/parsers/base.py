"""The plain values every bank file parser returns."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class FileFormat(StrEnum):
    OCR_GIRO = "ocr_giro"
    CAMT_053 = "camt.053"
    CAMT_054 = "camt.054"
    X12_835 = "x12_835"


class BankFileRefused(ValueError):
    """The whole file is refused: `line` (1-based, None when the file as a whole is wrong) and `reason`."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass(frozen=True)
class ClaimAdjustment:
    """One X12 835 CAS adjustment: group code (CO, PR, OA, PI), reason code (CARC) and amount."""

    group_code: str
    reason_code: str
    amount: Decimal


@dataclass(frozen=True)
class BankTransaction:
    """One credit to the clinic's account, as the bank reported it.

    transaction_id: unique per bank and transaction, stable across re-sent and overlapping files; it is the
        idempotency key of the posting.
    amount: as the bank reported it (a parser never drops a zero or negative amount: the importer queues it).
    reference: the payment reference the payer gave (a KID in Norway), '' when none.
    payer: "patient" for bank payments, "insurer" for X12 835 claim payments.
    line: the line (or XML element's line) in the file, for reports and errors.
    claim_id / adjustments: X12 835 only (CLP01, the patient control number = our invoice number; CAS).
    """

    transaction_id: str
    amount: Decimal
    currency: str
    booked_on: date
    reference: str
    payer_name: str = ""
    payer_account: str = ""
    payer: str = "patient"
    line: int | None = None
    claim_id: str = ""
    adjustments: tuple[ClaimAdjustment, ...] = ()


@dataclass(frozen=True)
class ParsedFile:
    format: FileFormat
    file_id: str  # the sender's id of the file (transmission number, message id, ISA control number)
    created_on: date | None
    transactions: list[BankTransaction] = field(default_factory=list)
    declared_count: int | None = None
    declared_total: Decimal | None = None
    # Entries the file reports but that are not money in yet (camt entries still pending at the bank), one
    # "line N: why" note each, so the import report can show them instead of dropping them silently.
    skipped: tuple[str, ...] = ()
