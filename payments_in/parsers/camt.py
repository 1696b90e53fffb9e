"""ISO 20022 camt.054 (debit/credit notification) and camt.053 (statement), versions .001.02 to .001.13.

Read with lxml's iterparse: each entry (`Ntry`) is turned into transactions when its end tag arrives and is
then cleared with everything before it, so a 50,000-entry file never sits in memory as a tree.

One transaction per `TxDtls` (or per entry when the bank sends no details). Its id is the bank's own
reference, the same in the statement and in the notification of one transaction: the transaction's
`AcctSvcrRef`, else the entry's (numbered by the detail's position when the entry carries several). Without
one, the references that are unique only within the account or for the payer (`NtryRef`, `EndToEndId`) are
qualified with the account and the booking date; a transaction with none of these is keyed by account,
booking date, amount and reference. Debits (reversals, returned payments) come back with a negative amount.
Entries not yet booked (pending, information only) are listed in `ParsedFile.skipped`, not returned as money.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.utils.translation import gettext as _
from lxml import etree

from .base import BankFileRefused, BankTransaction, FileFormat, ParsedFile
from .identity import TransactionIds

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.(\d\d)$")
SUPPORTED_VERSIONS = range(2, 14)
FORMATS = {"053": FileFormat.CAMT_053, "054": FileFormat.CAMT_054}
NOT_PROVIDED = {"", "NOTPROVIDED", "NONREF"}
DIGITS = re.compile(r"\d+")
KID_LENGTHS = (2, 25)
TOTALS = ("TtlNtries", "TtlCdtNtries", "TtlDbtNtries")
# A bank file is untrusted input: no entity expansion (billion laughs, external entities), no DTD, no network.
_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


@dataclass
class _Summary:
    """A statement's or notification's declared `TxsSummry`, and what its entries add up to."""

    line: int
    report: etree._Element | None
    declared: dict[str, tuple[int | None, Decimal | None]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOTALS, 0))
    sums: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(TOTALS, Decimal(0)))


def namespace_of(content: bytes) -> str:
    """The namespace of the document's root element ('' when it has none); refuses XML that does not parse."""
    try:
        for _event, element in etree.iterparse(BytesIO(content), events=("start",), **_SAFE):
            return etree.QName(element).namespace or ""
    except etree.XMLSyntaxError as error:
        raise _syntax_refusal(error) from error
    raise BankFileRefused(_("The XML file has no root element."))


def _syntax_refusal(error: etree.XMLSyntaxError) -> BankFileRefused:
    return BankFileRefused(_("The XML does not parse: %(error)s") % {"error": error.msg}, line=error.lineno or None)


class _Reader:
    """Turns the entries of one camt document into transactions, in the document's namespace."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.ids = TransactionIds()
        self.transactions: list[BankTransaction] = []
        self.skipped: list[str] = []
        self.account = ""  # the account of the statement or notification being read
        self._paths: dict[str, str] = {}

    def q(self, path: str) -> str:
        """An ElementPath in the document's namespace: 'A/B' -> '{ns}A/{ns}B'."""
        qualified = self._paths.get(path)
        if qualified is None:
            qualified = self._paths[path] = "/".join(f"{{{self.ns}}}{step}" for step in path.split("/"))
        return qualified

    def text(self, element: etree._Element, path: str) -> str:
        found = element.find(self.q(path))
        return (found.text or "").strip() if found is not None else ""

    def amount(self, element: etree._Element | None, missing: str, line: int) -> tuple[Decimal, str]:
        """The amount and currency of an `Amt` element; `missing` is the refusal when there is none."""
        if element is None:
            raise BankFileRefused(missing, line=line)
        currency = element.get("Ccy", "")
        try:
            value = Decimal((element.text or "").strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or not currency:
            raise BankFileRefused(
                _("%(amount)r is not an amount with a currency.") % {"amount": (element.text or "").strip()},
                line=element.sourceline or line,
            )
        if value < 0:
            # ISO 20022 amounts are unsigned; the credit/debit indicator gives the direction.
            raise BankFileRefused(
                _("%(amount)s is negative; a camt amount is unsigned, its credit/debit indicator gives the sign.")
                % {"amount": value},
                line=element.sourceline or line,
            )
        return value, currency

    def date(self, element: etree._Element, path: str) -> dt.date | None:
        found = element.find(self.q(path))
        if found is None:
            return None
        value = self.text(found, "Dt") or self.text(found, "DtTm")[:10]
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise BankFileRefused(_("%(value)r is not a date.") % {"value": value}, line=found.sourceline) from None

    def status(self, entry: etree._Element) -> str:
        # Up to version 07 the status is a code; from 08 it is a choice of a code or a proprietary text.
        status = entry.find(self.q("Sts"))
        if status is None:
            return "BOOK"
        return (status.text or "").strip() or self.text(status, "Cd") or self.text(status, "Prtry")

    def party(self, details: etree._Element, role: str) -> tuple[str, str]:
        """The name and account of the debtor (or creditor) of a transaction."""
        parties = details.find(self.q("RltdPties"))
        if parties is None:
            return "", ""
        name = self.text(parties, f"{role}/Nm") or self.text(parties, f"{role}/Pty/Nm")
        account = self.text(parties, f"{role}Acct/Id/IBAN") or self.text(parties, f"{role}Acct/Id/Othr/Id")
        return name, account

    def reference(self, details: etree._Element) -> str:
        structured = self.text(details, "RmtInf/Strd/CdtrRefInf/Ref")
        if structured:
            return structured.replace(" ", "")
        message = " ".join((element.text or "").strip() for element in details.iterfind(self.q("RmtInf/Ustrd")))
        compact = message.replace(" ", "")
        if compact.isdigit() and len(compact) <= KID_LENGTHS[1]:
            return compact
        # The longest number in the message that could be a KID (2 to 25 digits), an invoice number perhaps.
        runs = [run for run in DIGITS.findall(message) if KID_LENGTHS[0] <= len(run) <= KID_LENGTHS[1]]
        return max(runs, key=len) if runs else ""

    def entry(self, entry: etree._Element, summary: _Summary | None) -> None:
        line = entry.sourceline or 0
        amount, currency = self.amount(entry.find(self.q("Amt")), _("The entry has no amount."), line)
        sign = self.text(entry, "CdtDbtInd")
        if sign not in ("CRDT", "DBIT"):
            raise BankFileRefused(
                _("The entry's credit/debit indicator %(value)r is neither CRDT nor DBIT.") % {"value": sign},
                line=line,
            )
        if summary is not None:
            for total in ("TtlNtries", "TtlCdtNtries" if sign == "CRDT" else "TtlDbtNtries"):
                summary.counts[total] += 1
                summary.sums[total] += amount
        status = self.status(entry)
        if status != "BOOK":
            self.skipped.append(
                _("line %(line)s: entry of %(amount)s %(currency)s not booked yet (status %(status)s)")
                % {"line": line, "amount": amount, "currency": currency, "status": status}
            )
            return
        booked_on = self.date(entry, "BookgDt") or self.date(entry, "ValDt")
        if booked_on is None:
            raise BankFileRefused(_("The entry has no booking date."), line=line)
        # The bank's reference of the entry is unique at the bank; an entry number only within the account.
        entry_ref = self.text(entry, "AcctSvcrRef")
        if not entry_ref and self.text(entry, "NtryRef"):
            entry_ref = f"{self.account}:{booked_on:%Y%m%d}:{self.text(entry, 'NtryRef')}"
        all_details = list(entry.iterfind(self.q("NtryDtls/TxDtls")))
        if not all_details:
            self.add(entry, amount, currency, sign, booked_on, entry_ref, line)
            return
        for position, details in enumerate(all_details, start=1):
            amount_element = details.find(self.q("Amt"))
            if amount_element is None:
                amount_element = details.find(self.q("AmtDtls/TxAmt/Amt"))
            if amount_element is None and len(all_details) == 1:
                detail_amount, detail_currency = amount, currency
            else:
                detail_amount, detail_currency = self.amount(
                    amount_element, _("The transaction has no amount."), details.sourceline or line
                )
            detail_ref = f"{entry_ref}/{position}" if entry_ref and len(all_details) > 1 else entry_ref
            self.add(
                details,
                detail_amount,
                detail_currency,
                self.text(details, "CdtDbtInd") or sign,
                booked_on,
                detail_ref,
                details.sourceline or line,
            )

    def add(
        self,
        details: etree._Element,
        amount: Decimal,
        currency: str,
        sign: str,
        booked_on: dt.date,
        entry_ref: str,
        line: int,
    ) -> None:
        reference = self.reference(details)
        own_ref = self.text(details, "Refs/AcctSvcrRef")
        end_to_end = self.text(details, "Refs/EndToEndId")
        if own_ref:
            key = own_ref
        elif entry_ref:
            key = entry_ref
        elif end_to_end not in NOT_PROVIDED:
            # The payer's own id of the payment: unique for the payer only.
            key = f"{self.account}:{booked_on:%Y%m%d}:{end_to_end}"
        else:
            key = f"{self.account}:{booked_on:%Y%m%d}:{amount}:{reference}"
        name, account = self.party(details, "Dbtr" if sign == "CRDT" else "Cdtr")
        self.transactions.append(
            BankTransaction(
                transaction_id=self.ids(f"camt:{key}"),
                amount=amount if sign == "CRDT" else -amount,
                currency=currency,
                booked_on=booked_on,
                reference=reference,
                payer_name=name,
                payer_account=account,
                line=line,
            )
        )

    def account_of(self, report: etree._Element) -> str:
        return self.text(report, "Acct/Id/IBAN") or self.text(report, "Acct/Id/Othr/Id")

    def summary(self, summary_element: etree._Element) -> _Summary:
        summary = _Summary(line=summary_element.sourceline or 0, report=summary_element.getparent())
        for total in TOTALS:
            found = summary_element.find(self.q(total))
            if found is None:
                continue
            count_text, sum_text = self.text(found, "NbOfNtries"), self.text(found, "Sum")
            try:
                summary.declared[total] = (
                    int(count_text) if count_text else None,
                    Decimal(sum_text) if sum_text else None,
                )
            except (ValueError, InvalidOperation):
                raise BankFileRefused(
                    _("The transactions summary's %(total)s is not a number.") % {"total": total},
                    line=found.sourceline,
                ) from None
        return summary


def _check_summary(summary: _Summary) -> None:
    for total, (declared_count, declared_sum) in summary.declared.items():
        count, amount = summary.counts[total], summary.sums[total]
        if (declared_count is not None and declared_count != count) or (
            declared_sum is not None and declared_sum != amount
        ):
            raise BankFileRefused(
                _(
                    "The transactions summary (%(total)s) declares %(declared_count)s entries for %(declared_sum)s, "
                    "but the file holds %(count)s entries for %(sum)s."
                )
                % {
                    "total": total,
                    "declared_count": declared_count if declared_count is not None else "-",
                    "declared_sum": declared_sum if declared_sum is not None else "-",
                    "count": count,
                    "sum": amount,
                },
                line=summary.line,
            )


def parse_camt(content: bytes) -> ParsedFile:
    """Read a camt.053 or camt.054 document; refuse it whole on the first error or wrong summary."""
    namespace = namespace_of(content)
    match = NAMESPACE.match(namespace)
    if match is None or int(match.group(2)) not in SUPPORTED_VERSIONS:
        raise BankFileRefused(
            _("This XML is not a camt.053 or camt.054 (versions 02 to 13) bank file: its namespace is %(ns)r.")
            % {"ns": namespace},
            line=1,
        )
    reader = _Reader(namespace)
    message_id, created_on = "", None
    summary: _Summary | None = None
    summaries: list[_Summary] = []
    current_report: etree._Element | None = None
    entry_tag, summary_tag, header_tag = reader.q("Ntry"), reader.q("TxsSummry"), reader.q("GrpHdr")
    try:
        for _event, element in etree.iterparse(
            BytesIO(content), events=("end",), tag=(entry_tag, summary_tag, header_tag), **_SAFE
        ):
            if element.tag == entry_tag:
                report = element.getparent()
                if report is not current_report:
                    # Read before this first entry clears the report's header elements away.
                    current_report, reader.account = report, reader.account_of(report)
                # A summary counts the entries of its own statement or notification only.
                if summary is not None and summary.report is not report:
                    summary = None
                reader.entry(element, summary)
                element.clear()
                # Entries already read are dropped from their parent as well, or the tree keeps growing.
                while element.getprevious() is not None:
                    del element.getparent()[0]
            elif element.tag == summary_tag:
                summary = reader.summary(element)
                summaries.append(summary)
            else:
                message_id = reader.text(element, "MsgId")
                created = reader.text(element, "CreDtTm")[:10]
                created_on = dt.date.fromisoformat(created) if created else None
    except etree.XMLSyntaxError as error:
        raise _syntax_refusal(error) from error
    except ValueError as error:
        if isinstance(error, BankFileRefused):
            raise
        raise BankFileRefused(_("The file has a value that is not valid: %(error)s") % {"error": error}) from error
    for each in summaries:
        _check_summary(each)
    declared = [each.declared.get("TtlNtries", (None, None)) for each in summaries]
    counts = [count for count, _sum in declared if count is not None]
    sums = [amount for _count, amount in declared if amount is not None]
    return ParsedFile(
        format=FORMATS[match.group(1)],
        file_id=message_id,
        created_on=created_on,
        transactions=reader.transactions,
        declared_count=sum(counts) if declared and len(counts) == len(declared) else None,
        declared_total=sum(sums, Decimal(0)) if declared and len(sums) == len(declared) else None,
        skipped=tuple(reader.skipped),
    )
