"""Nets OCR Giro: the 80-character records of a payee's incoming KID payments, read with netsgiro's records.

The file is read one record at a time (netsgiro's record classes parse and validate each line), so every
error names its line, and only one transaction's records exist as objects at a time.
Each assignment's and the transmission's end record declares how many transactions and records it closes and
their total; any difference refuses the whole file.

Transaction ids: Nets gives an OCR transaction no id of its own. The transaction number only counts the
transactions of one assignment, so another delivery that cuts the assignments differently numbers the same
payment differently. What Nets keeps for a payment is where it was settled - Nets date, centre, day code,
partial settlement and its serial number - and the archive reference (the giro's reference at Nets, or the
payer's agreement, or the terminal's BAX and session for card payments), to which the payee's account, the KID
and the amount are added. Two payments equal in all of these are numbered in file order (`identity`).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from netsgiro import AssignmentType, RecordType, ServiceCode, TransactionType
from netsgiro.records import (
    AssignmentEnd,
    AssignmentStart,
    Record,
    TransactionAmountItem1,
    TransactionAmountItem2,
    TransactionAmountItem3,
    TransmissionEnd,
    TransmissionStart,
)

from .base import BankFileRefused, BankTransaction, FileFormat, ParsedFile
from .identity import TransactionIds

RECORD_LENGTH = 80
CURRENCY = "NOK"
# Card terminal reversals give money back to the payer; their amount field is unsigned like any other.
REVERSALS = {TransactionType.REVERSING_WITH_KID, TransactionType.REVERSING_WITH_TEXT}
RECORD_CLASSES: dict[int, type[Record]] = {
    RecordType.TRANSMISSION_START: TransmissionStart,
    RecordType.ASSIGNMENT_START: AssignmentStart,
    RecordType.TRANSACTION_AMOUNT_ITEM_1: TransactionAmountItem1,
    RecordType.TRANSACTION_AMOUNT_ITEM_2: TransactionAmountItem2,
    RecordType.TRANSACTION_AMOUNT_ITEM_3: TransactionAmountItem3,
    RecordType.ASSIGNMENT_END: AssignmentEnd,
    RecordType.TRANSMISSION_END: TransmissionEnd,
}


@dataclass
class _Totals:
    """What the records of a transmission or an assignment add up to, to compare with its end record."""

    transactions: int = 0
    records: int = 1  # its start record
    amount_in_ore: int = 0


@dataclass
class _Assignment:
    start: AssignmentStart
    line: int
    totals: _Totals = field(default_factory=_Totals)


def _split_lines(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        yield text[start:end].removesuffix("\r")
        start = end + 1


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines with their numbers, read one at a time; blank lines at the end of the file are no records."""
    first_blank: int | None = None
    # Lines are cut out one by one: splitlines() would hold all 100,000 at once, and a StringIO copies the
    # text into four bytes a character.
    for number, line in enumerate(_split_lines(text), start=1):
        if not line.strip():
            first_blank = first_blank or number
            continue
        if first_blank is not None:
            yield first_blank, ""  # a blank line between records, refused as a record of the wrong length
        yield number, line


def _records(text: str) -> Iterator[tuple[int, Record]]:
    for number, line in _lines(text):
        if len(line) != RECORD_LENGTH:
            raise BankFileRefused(
                _("An OCR Giro record is %(expected)s characters long; this one has %(length)s.")
                % {"expected": RECORD_LENGTH, "length": len(line)},
                line=number,
            )
        record_type = line[6:8]
        record_class = RECORD_CLASSES.get(int(record_type)) if record_type.isdigit() else None
        if record_class is None:
            raise BankFileRefused(
                _("Record type %(type)s is not an OCR Giro record.") % {"type": record_type}, line=number
            )
        try:
            record = record_class.from_string(line)
        except (ValueError, TypeError) as error:
            raise BankFileRefused(
                _("The record does not follow the OCR Giro format: %(error)s") % {"error": error}, line=number
            ) from error
        yield number, record


def _check_end(end: AssignmentEnd | TransmissionEnd, totals: _Totals, line: int) -> None:
    declared = (end.num_transactions, end.num_records, end.total_amount or 0)
    counted = (totals.transactions, totals.records, totals.amount_in_ore)
    if declared != counted:
        if isinstance(end, TransmissionEnd):
            message = _(
                "The transmission end record declares %(declared_count)s transactions, %(declared_records)s "
                "records and %(declared_total)s NOK, but the file holds %(count)s transactions, %(records)s "
                "records and %(total)s NOK."
            )
        else:
            message = _(
                "The assignment end record declares %(declared_count)s transactions, %(declared_records)s "
                "records and %(declared_total)s NOK, but the assignment holds %(count)s transactions, "
                "%(records)s records and %(total)s NOK."
            )
        raise BankFileRefused(
            message
            % {
                "declared_count": declared[0],
                "declared_records": declared[1],
                "declared_total": Decimal(declared[2]).scaleb(-2),
                "count": counted[0],
                "records": counted[1],
                "total": Decimal(counted[2]).scaleb(-2),
            },
            line=line,
        )


def _transaction(
    item1: TransactionAmountItem1, item2: TransactionAmountItem2, account: str, line: int, ids: TransactionIds
) -> BankTransaction:
    kid = (item1.kid or "").strip()
    settlement = (
        f"{item1.centre_id}{item1.day_code:02d}{item1.partial_settlement_number}"
        f"{item1.partial_settlement_serial_number}"
    )
    key = f"ocr:{account}:{item1.nets_date:%Y%m%d}:{settlement}:{item2.reference or ''}:{kid}:{item1.amount}"
    negative = item1.transaction_type in REVERSALS or item1.sign == "-"
    amount = Decimal(item1.amount).scaleb(-2)
    debit_account = item2.debit_account or ""
    return BankTransaction(
        transaction_id=ids(key),
        amount=-amount if negative else amount,
        currency=CURRENCY,
        booked_on=item1.nets_date,
        reference=kid,
        payer_account="" if not debit_account.strip("0") else debit_account,
        line=line,
    )


def parse_ocr_giro(text: str) -> ParsedFile:
    """Read an OCR Giro transmission; refuse it whole on the first malformed record or wrong total."""
    ids = TransactionIds()
    transactions: list[BankTransaction] = []
    start: TransmissionStart | None = None
    end: TransmissionEnd | None = None
    totals = _Totals()
    assignment: _Assignment | None = None
    pending: tuple[int, TransactionAmountItem1] | None = None  # amount item 1 waiting for its item 2
    last: TransactionAmountItem1 | None = None  # the last complete transaction, which item 3 may follow

    number = 0
    for number, record in _records(text):
        if start is None:
            if not isinstance(record, TransmissionStart):
                raise BankFileRefused(_("An OCR Giro file starts with a transmission start record."), line=number)
            start = record
            continue
        if end is not None:
            raise BankFileRefused(_("Nothing may follow the transmission end record."), line=number)
        totals.records += 1
        if assignment is not None:
            assignment.totals.records += 1

        if isinstance(record, AssignmentStart):
            if assignment is not None:
                raise BankFileRefused(_("A new assignment starts before the previous one ended."), line=number)
            if record.service_code != ServiceCode.OCR_GIRO or record.assignment_type != AssignmentType.TRANSACTIONS:
                raise BankFileRefused(_("This assignment is not OCR Giro payments (an AvtaleGiro file?)."), line=number)
            assignment = _Assignment(start=record, line=number)
        elif isinstance(record, TransmissionEnd):
            if assignment is not None:
                raise BankFileRefused(
                    _("The transmission ends inside the assignment that starts on line %(start)s.")
                    % {"start": assignment.line},
                    line=number,
                )
            _check_end(record, totals, number)
            end = record
        elif assignment is None:
            raise BankFileRefused(_("A transaction record outside an assignment."), line=number)
        elif isinstance(record, AssignmentEnd):
            if pending is not None:
                raise BankFileRefused(
                    _("The transaction on line %(start)s has no amount item 2.") % {"start": pending[0]}, line=number
                )
            _check_end(record, assignment.totals, number)
            assignment, last = None, None
        elif isinstance(record, TransactionAmountItem1):
            if record.service_code != ServiceCode.OCR_GIRO:
                raise BankFileRefused(_("This record does not belong in an OCR Giro payments file."), line=number)
            if pending is not None:
                raise BankFileRefused(
                    _("The transaction on line %(start)s has no amount item 2.") % {"start": pending[0]}, line=number
                )
            pending, last = (number, record), None
        elif isinstance(record, TransactionAmountItem2):
            if pending is None or pending[1].transaction_number != record.transaction_number:
                raise BankFileRefused(_("An amount item 2 without its amount item 1."), line=number)
            item1 = pending[1]
            transactions.append(_transaction(item1, record, assignment.start.assignment_account, pending[0], ids))
            for counted in (totals, assignment.totals):
                counted.transactions += 1
                counted.amount_in_ore += item1.amount
            pending, last = None, item1
        elif isinstance(record, TransactionAmountItem3):
            if last is None or last.transaction_number != record.transaction_number:
                raise BankFileRefused(_("An amount item 3 without its transaction."), line=number)
            last = None
        else:
            raise BankFileRefused(_("This record does not belong in an OCR Giro payments file."), line=number)

    if start is None:
        raise BankFileRefused(_("The file is empty."))
    if end is None:
        raise BankFileRefused(
            _("The file ends without its transmission end record: it is truncated."),
            line=number or None,
        )
    return ParsedFile(
        format=FileFormat.OCR_GIRO,
        file_id=start.transmission_number,
        created_on=end.nets_date,
        transactions=transactions,
        declared_count=end.num_transactions,
        declared_total=Decimal(end.total_amount).scaleb(-2),
    )
