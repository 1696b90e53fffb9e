"""X12 835 health care claim payment/advice (5010, 005010X221A1), validated against pyx12's 835 map.

pyx12 walks the file against the implementation guide's map (segment order, loops, element types and code
values) and reports every error with its line; its callback hands each segment over, from which the claims
are read. One transaction per claim payment (CLP) with the claim's adjustments (CAS, at claim and service
line level); the payment (BPR02) must equal the claims paid (CLP04) less the provider-level adjustments (PLB),
per transaction set.

Transaction id: the payer's check or EFT trace number (TRN02) with the originating company (TRN03), the
patient control number (CLP01) and the payer's claim control number (CLP07); a reversal and its corrected
claim differ in CLP07 or are numbered in file order (`identity`).
"""

import io
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.segment
import pyx12.x12n_document
from django.utils.translation import gettext as _

from .base import BankFileRefused, BankTransaction, ClaimAdjustment, FileFormat, ParsedFile
from .identity import TransactionIds

DEFAULT_CURRENCY = "USD"
CAS_TRIPLETS = 6  # CAS02-04, 05-07 … 17-19: reason code, amount, quantity
ISA_LENGTH = 106  # the interchange header is fixed-length; its last character is the segment terminator
PLB_PAIRS = 6  # PLB03-04 … PLB13-14: adjustment identifier, amount

# pyx12 logs every error it finds, quoting the file's values (patients' names, claim numbers); the refusal
# carries the first error to the user who imported the file instead, and the logs stay free of patient data.
logging.getLogger("pyx12").setLevel(logging.CRITICAL)


@dataclass
class _Claim:
    line: int
    claim_id: str
    paid: Decimal
    payer_claim_number: str
    adjustments: list[ClaimAdjustment] = field(default_factory=list)


@dataclass
class _Payment:
    """One transaction set (ST … SE): one check or EFT."""

    line: int
    total: Decimal = Decimal(0)
    trace_number: str = ""
    originator: str = ""
    paid_on: date | None = None
    produced_on: date | None = None
    payer_name: str = ""
    currency: str = DEFAULT_CURRENCY
    claims: list[_Claim] = field(default_factory=list)
    provider_adjustments: Decimal = Decimal(0)


def _amount(segment: pyx12.segment.Segment, ref: str, line: int) -> Decimal:
    value = segment.get_value(ref) or ""
    try:
        return Decimal(value)
    except InvalidOperation:
        raise BankFileRefused(
            _("%(element)s %(value)r is not an amount.") % {"element": ref, "value": value}, line=line
        ) from None


def _date(value: str | None) -> date | None:
    try:
        return datetime.strptime(value or "", "%Y%m%d").date()
    except ValueError:
        return None


def _first_error(report: dict[str, Any]) -> tuple[int | None, str] | None:
    """The first error in pyx12's JSON error report, with its line."""

    def errors(node: dict[str, Any]) -> list[tuple[int | None, str]]:
        found = [(node.get("cur_line"), error["err_str"]) for error in node.get("errors", [])]
        for element in node.get("elements", []):
            found += [(node.get("cur_line"), error["err_str"]) for error in element.get("errors", [])]
        for children in ("interchanges", "groups", "transactions", "segments"):
            for child in node.get(children, []):
                found += errors(child)
        return found

    found = errors(report)
    return min(found, key=lambda error: error[0] or 0) if found else None


def _check_functional_group(text: str) -> None:
    """Refuse an X12 file of another kind (a claim, an acknowledgement) before walking it against the 835 map."""
    if len(text) < ISA_LENGTH:
        raise BankFileRefused(_("The X12 interchange header (ISA) is cut short."), line=1)
    element_separator, segment_terminator = text[3], text[ISA_LENGTH - 1]
    position = 0
    for segment in text.split(segment_terminator):
        fields = segment.strip().split(element_separator)
        if fields[0] == "GS":
            if len(fields) < 2 or fields[1] != "HP":
                raise BankFileRefused(
                    _("This X12 file is not a claim payment/advice (835): its functional group is %(code)r.")
                    % {"code": fields[1] if len(fields) > 1 else ""},
                    line=text.count("\n", 0, position + len(segment) - len(segment.lstrip())) + 1,
                )
            return
        position += len(segment) + 1


def _validated_segments(text: str) -> list[tuple[int, pyx12.segment.Segment]]:
    segments: list[tuple[int, pyx12.segment.Segment]] = []

    def collect(segment: pyx12.segment.Segment, source: Any, _node: Any, _valid: bool) -> None:
        segments.append((source.get_cur_line(), segment))

    report = io.StringIO()
    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.ParamsBase(), io.StringIO(text), None, None, fd_json=report, callback=collect
        )
    except pyx12.errors.EngineError as error:
        # Raised when pyx12 has no map for the file's version (GS08), among others.
        raise BankFileRefused(_("The X12 file cannot be validated: %(error)s") % {"error": error}) from error
    if not valid:
        first = _first_error(json.loads(report.getvalue())) if report.getvalue() else None
        if first is None:
            raise BankFileRefused(_("This is not a valid X12 file."), line=1)
        line, reason = first
        raise BankFileRefused(
            _("The X12 file does not follow the 835 implementation guide: %(error)s") % {"error": reason},
            line=line,
        )
    return segments


def _payments(segments: list[tuple[int, pyx12.segment.Segment]]) -> tuple[str, date | None, list[_Payment]]:
    control_number, created_on = "", None
    payments: list[_Payment] = []
    payment: _Payment | None = None
    claim: _Claim | None = None
    for line, segment in segments:
        seg_id = segment.get_seg_id()
        if seg_id == "ISA":
            control_number = (segment.get_value("ISA13") or "").strip()
            created_on = _date("20" + (segment.get_value("ISA09") or ""))
        elif seg_id == "ST":
            if segment.get_value("ST01") != "835":
                raise BankFileRefused(
                    _("This X12 transaction set is a %(code)s, not a claim payment/advice (835).")
                    % {"code": segment.get_value("ST01")},
                    line=line,
                )
            payment, claim = _Payment(line=line), None
            payments.append(payment)
        elif payment is None:
            continue
        elif seg_id == "BPR":
            payment.total = _amount(segment, "BPR02", line)
            if segment.get_value("BPR03") == "D":
                payment.total = -payment.total
            payment.paid_on = _date(segment.get_value("BPR16"))
        elif seg_id == "TRN":
            payment.trace_number = segment.get_value("TRN02") or ""
            payment.originator = segment.get_value("TRN03") or ""
        elif seg_id == "CUR":
            payment.currency = segment.get_value("CUR02") or DEFAULT_CURRENCY
        elif seg_id == "DTM" and segment.get_value("DTM01") == "405" and claim is None:
            payment.produced_on = _date(segment.get_value("DTM02"))
        elif seg_id == "N1" and segment.get_value("N101") == "PR":
            payment.payer_name = segment.get_value("N102") or ""
        elif seg_id == "CLP":
            claim = _Claim(
                line=line,
                claim_id=segment.get_value("CLP01") or "",
                paid=_amount(segment, "CLP04", line),
                payer_claim_number=segment.get_value("CLP07") or "",
            )
            payment.claims.append(claim)
        elif seg_id == "CAS" and claim is not None:
            group = segment.get_value("CAS01") or ""
            for triplet in range(CAS_TRIPLETS):
                position = 2 + 3 * triplet
                reason = segment.get_value(f"CAS{position:02d}")
                if reason:
                    amount = _amount(segment, f"CAS{position + 1:02d}", line)
                    claim.adjustments.append(ClaimAdjustment(group_code=group, reason_code=reason, amount=amount))
        elif seg_id == "PLB":
            claim = None
            for pair in range(PLB_PAIRS):
                position = 4 + 2 * pair
                if segment.get_value(f"PLB{position:02d}"):
                    payment.provider_adjustments += _amount(segment, f"PLB{position:02d}", line)
        elif seg_id == "SE":
            payment, claim = None, None
    return control_number, created_on, payments


def parse_x12_835(text: str) -> ParsedFile:
    """Read an X12 835 interchange; refuse it whole when it breaks the map or its payment does not add up."""
    text = text.lstrip()
    _check_functional_group(text)
    control_number, created_on, payments = _payments(_validated_segments(text))
    if not payments:
        raise BankFileRefused(_("The X12 file holds no 835 transaction set."))
    ids = TransactionIds()
    transactions: list[BankTransaction] = []
    for payment in payments:
        claimed = sum((claim.paid for claim in payment.claims), Decimal(0))
        if claimed - payment.provider_adjustments != payment.total:
            raise BankFileRefused(
                _(
                    "The payment (BPR02) is %(total)s, but the claims paid (CLP04) less the provider adjustments "
                    "(PLB) come to %(sum)s."
                )
                % {"total": payment.total, "sum": claimed - payment.provider_adjustments},
                line=payment.line,
            )
        booked_on = payment.paid_on or payment.produced_on or created_on
        if booked_on is None:
            raise BankFileRefused(_("The payment has no date (BPR16)."), line=payment.line)
        for claim in payment.claims:
            key = f"x12:{payment.originator}:{payment.trace_number}:{claim.claim_id}:{claim.payer_claim_number}"
            transactions.append(
                BankTransaction(
                    transaction_id=ids(key),
                    amount=claim.paid,
                    currency=payment.currency,
                    booked_on=booked_on,
                    reference="",
                    payer_name=payment.payer_name,
                    payer="insurer",
                    line=claim.line,
                    claim_id=claim.claim_id,
                    adjustments=tuple(claim.adjustments),
                )
            )
    return ParsedFile(
        format=FileFormat.X12_835,
        file_id=control_number,
        created_on=created_on,
        transactions=transactions,
        declared_count=None,
        declared_total=sum((payment.total for payment in payments), Decimal(0)),
    )
