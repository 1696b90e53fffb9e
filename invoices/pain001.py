"""ISO 20022 pain.001.001.09 (customer credit transfer initiation): the file the bank takes to pay refunds.

Built with lxml from plain values, so it needs no database and its tests read the XML it makes. One group
header (message id, creation time, number of transactions, control sum), one payment information block
(the clinic's account as the debtor, the execution date) and one credit transfer per refund, each with its
own end-to-end id, the payee's name and IBAN, the amount and a remittance line the payee reads.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
# The schema's lengths: Max35Text for ids, Max140Text for names and remittance lines.
ID_LENGTH, TEXT_LENGTH = 35, 140


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str
    organisation_number: str


@dataclass(frozen=True)
class CreditTransfer:
    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_iban: str
    remittance: str


def _add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, *tags: str, text: str) -> etree._Element:
    """Nested elements `tags[0]/tags[1]/…` with `text` in the innermost."""
    for tag in tags[:-1]:
        parent = _add(parent, tag)
    return _add(parent, tags[-1], text)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def credit_transfer_document(
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    debtor: Debtor,
    currency: str,
    transfers: Sequence[CreditTransfer],
) -> bytes:
    """The pain.001.001.09 file for `transfers`, UTF-8 with its XML declaration."""
    if not transfers:
        raise ValueError("A credit transfer file carries at least one transfer.")
    count = str(len(transfers))
    control_sum = _amount(sum((transfer.amount for transfer in transfers), Decimal("0")))
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _add(root, "CstmrCdtTrfInitn")

    header = _add(initiation, "GrpHdr")
    _add(header, "MsgId", message_id[:ID_LENGTH])
    _add(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _add(header, "NbOfTxs", count)
    _add(header, "CtrlSum", control_sum)
    party = _add(header, "InitgPty")
    _add(party, "Nm", debtor.name[:TEXT_LENGTH])
    if debtor.organisation_number:
        other = _add(_add(_add(party, "Id"), "OrgId"), "Othr")
        _add(other, "Id", debtor.organisation_number.replace(" ", "")[:ID_LENGTH])
        _path(other, "SchmeNm", "Cd", text="CUST")

    payment = _add(initiation, "PmtInf")
    _add(payment, "PmtInfId", message_id[:ID_LENGTH])
    _add(payment, "PmtMtd", "TRF")
    _add(payment, "NbOfTxs", count)
    _add(payment, "CtrlSum", control_sum)
    _path(payment, "PmtTpInf", "SvcLvl", "Cd", text="NURG")
    _path(payment, "ReqdExctnDt", "Dt", text=execution_date.isoformat())
    _add(_add(payment, "Dbtr"), "Nm", debtor.name[:TEXT_LENGTH])
    account = _add(payment, "DbtrAcct")
    _path(account, "Id", "IBAN", text=debtor.iban)
    _add(account, "Ccy", currency)
    _path(payment, "DbtrAgt", "FinInstnId", "BICFI", text=debtor.bic)

    for transfer in transfers:
        item = _add(payment, "CdtTrfTxInf")
        ids = _add(item, "PmtId")
        _add(ids, "InstrId", transfer.end_to_end_id[:ID_LENGTH])
        _add(ids, "EndToEndId", transfer.end_to_end_id[:ID_LENGTH])
        _add(_add(item, "Amt"), "InstdAmt", _amount(transfer.amount), Ccy=currency)
        _add(_add(item, "Cdtr"), "Nm", transfer.creditor_name[:TEXT_LENGTH])
        _path(item, "CdtrAcct", "Id", "IBAN", text=transfer.creditor_iban)
        _path(item, "RmtInf", "Ustrd", text=transfer.remittance[:TEXT_LENGTH])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
