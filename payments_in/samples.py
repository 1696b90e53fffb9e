"""Bank files written from plain payments, for the demo (`seed_demo`), the tests and the benchmark. Pure.

`ocr_giro_file` serialises netsgiro's own objects, `camt054_file` streams a camt.054 notification with lxml's
incremental writer, `x12_835_file` writes an 835 remittance that passes pyx12's 5010 map. Each takes the same
`SamplePayment`s, so one list of payments becomes any of the formats and parses back to the same amounts,
references and (per format) unique transaction ids.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO
from typing import Any

import netsgiro
from lxml import etree


@dataclass(frozen=True)
class SamplePayment:
    """One payment into the clinic's account.

    kid: the payment reference (a KID, or for an 835 the claim's patient control number, our invoice number).
    seed: a number unique per payment from which the bank's references are made (archive reference, AcctSvcrRef,
        payer claim control number), so writing the same payments again gives the same transaction ids.
    """

    kid: str
    amount: Decimal
    paid_on: date
    payer_name: str = ""
    seed: int = 0


CLINIC_ACCOUNT = "15032080119"  # a valid Norwegian account number (MOD11)
CLINIC_IBAN = "NO5915032080119"
NETS_ID = "00008080"
CLINIC_CUSTOMER_UNIT = "00010200"
CLINIC_AGREEMENT_ID = "000000001"
CAMT_VERSION = "08"


def _ore(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def ocr_giro_file(
    payments: Sequence[SamplePayment],
    *,
    transmission_number: str = "1000001",
    account: str = CLINIC_ACCOUNT,
) -> bytes:
    """An OCR Giro transmission from Nets with one assignment holding the payments as giro payments (type 10)."""
    nets_date = max((payment.paid_on for payment in payments), default=date(2026, 1, 1))
    transmission = netsgiro.Transmission(
        number=transmission_number, data_transmitter=NETS_ID, data_recipient=CLINIC_CUSTOMER_UNIT, date=nets_date
    )
    assignment = transmission.add_assignment(
        service_code=netsgiro.ServiceCode.OCR_GIRO,
        assignment_type=netsgiro.AssignmentType.TRANSACTIONS,
        agreement_id=CLINIC_AGREEMENT_ID,
        number=transmission_number,
        account=account,
        date=nets_date,
    )
    for number, payment in enumerate(payments, start=1):
        assignment.transactions.append(
            netsgiro.Transaction(
                service_code=netsgiro.ServiceCode.OCR_GIRO,
                type=netsgiro.TransactionType.FROM_GIRO_DEBITED_ACCOUNT,
                number=number,
                date=payment.paid_on,
                amount=payment.amount,
                kid=payment.kid,
                reference=f"{payment.seed % 10**9:09d}",
                text=None,
                centre_id="13",
                day_code=payment.paid_on.day,
                partial_settlement_number=1,
                partial_settlement_serial_number="00001",
                sign="0",
                form_number="0000000000",
                bank_date=payment.paid_on,
                debit_account="00000000000",
                filler=None,
            )
        )
    return (transmission.to_ocr() + "\n").encode("latin-1")


class _Camt:
    """Writes camt.054 elements in the document's namespace through lxml's incremental `xmlfile`."""

    def __init__(self, out: Any, version: str) -> None:
        self.out = out
        self.version = int(version)

    def leaf(self, tag: str, text: str, **attributes: str) -> None:
        element = etree.Element(tag, attributes)
        element.text = text
        self.out.write(element, pretty_print=True)  # one element a line, so parse errors name a useful line

    def amount(self, tag: str, amount: Decimal, currency: str) -> None:
        self.leaf(tag, f"{amount:.2f}", Ccy=currency)

    def debtor(self, name: str) -> None:
        with self.out.element("RltdPties"), self.out.element("Dbtr"):
            if self.version >= 8:
                with self.out.element("Pty"):
                    self.leaf("Nm", name)
            else:
                self.leaf("Nm", name)

    def entry(self, payment: SamplePayment, currency: str) -> None:
        reference = f"NETS{payment.seed:012d}"
        with self.out.element("Ntry"):
            self.leaf("NtryRef", f"{payment.seed}")
            self.amount("Amt", payment.amount, currency)
            self.leaf("CdtDbtInd", "CRDT")
            if self.version >= 8:  # from version 08 the status is a choice of a code or a proprietary text
                with self.out.element("Sts"):
                    self.leaf("Cd", "BOOK")
            else:
                self.leaf("Sts", "BOOK")
            with self.out.element("BookgDt"):
                self.leaf("Dt", payment.paid_on.isoformat())
            with self.out.element("ValDt"):
                self.leaf("Dt", payment.paid_on.isoformat())
            self.leaf("AcctSvcrRef", reference)
            with self.out.element("BkTxCd"), self.out.element("Domn"):
                self.leaf("Cd", "PMNT")
                with self.out.element("Fmly"):
                    self.leaf("Cd", "RCDT")
                    self.leaf("SubFmlyCd", "DMCT")
            with self.out.element("NtryDtls"), self.out.element("TxDtls"):
                with self.out.element("Refs"):
                    self.leaf("AcctSvcrRef", reference)
                    self.leaf("EndToEndId", "NOTPROVIDED")
                if self.version >= 3:
                    self.amount("Amt", payment.amount, currency)
                    self.leaf("CdtDbtInd", "CRDT")
                else:
                    with self.out.element("AmtDtls"), self.out.element("TxAmt"):
                        self.amount("Amt", payment.amount, currency)
                if payment.payer_name:
                    self.debtor(payment.payer_name)
                with self.out.element("RmtInf"), self.out.element("Strd"), self.out.element("CdtrRefInf"):
                    with self.out.element("Tp"), self.out.element("CdOrPrtry"):
                        self.leaf("Cd", "SCOR")
                    self.leaf("Ref", payment.kid)


def camt054_file(
    payments: Sequence[SamplePayment],
    *,
    message_id: str = "CAMT054-1",
    created_at: datetime | None = None,
    currency: str = "NOK",
    iban: str = CLINIC_IBAN,
    version: str = CAMT_VERSION,
) -> bytes:
    """A camt.054 credit notification: one booked entry with one transaction per payment, KID as SCOR ref."""
    created_at = created_at or datetime.combine(
        max((payment.paid_on for payment in payments), default=date(2026, 1, 1)), time(6, 0)
    )
    total = sum((payment.amount for payment in payments), Decimal(0))
    buffer = BytesIO()
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}"
    with etree.xmlfile(buffer, encoding="utf-8") as out:
        out.write_declaration()
        with out.element("Document", nsmap={None: namespace}):
            writer = _Camt(out, version)
            with out.element("BkToCstmrDbtCdtNtfctn"):
                with out.element("GrpHdr"):
                    writer.leaf("MsgId", message_id)
                    writer.leaf("CreDtTm", created_at.isoformat(timespec="seconds"))
                with out.element("Ntfctn"):
                    writer.leaf("Id", f"{message_id}-1")
                    writer.leaf("CreDtTm", created_at.isoformat(timespec="seconds"))
                    with out.element("Acct"):
                        with out.element("Id"):
                            writer.leaf("IBAN", iban)
                        writer.leaf("Ccy", currency)
                    with out.element("TxsSummry"):
                        with out.element("TtlNtries"):
                            writer.leaf("NbOfNtries", str(len(payments)))
                            writer.leaf("Sum", f"{total:.2f}")
                        with out.element("TtlCdtNtries"):
                            writer.leaf("NbOfNtries", str(len(payments)))
                            writer.leaf("Sum", f"{total:.2f}")
                    for payment in payments:
                        writer.entry(payment, currency)
    return buffer.getvalue()


def _x12_name(name: str) -> str:
    """A name in X12's basic character set, without its separators."""
    kept = "".join(
        character for character in name.upper() if character.isascii() and (character.isalnum() or character in " -.,'")
    )
    return kept.strip() or "PATIENT"


def _x12_segments(payments: Sequence[SamplePayment], control_number: int, payer: str) -> list[str]:
    paid_on = max((payment.paid_on for payment in payments), default=date(2026, 1, 1))
    total = sum((payment.amount for payment in payments), Decimal(0))
    body = [
        f"ST*835*{control_number:04d}",
        f"BPR*I*{total:.2f}*C*ACH*CCP*01*999999992*DA*123456*1512345678**01*999988880*DA*98765*{paid_on:%Y%m%d}",
        f"TRN*1*{control_number:09d}*1512345678",
        f"DTM*405*{paid_on:%Y%m%d}",
        f"N1*PR*{payer}",
        "N3*1 INSURANCE WAY",
        "N4*HARTFORD*CT*06101",
        "PER*BL*CLAIMS OFFICE*TE*8005551212",
        "N1*PE*CLINIC BILLING*XX*1234567893",
        "LX*1",
    ]
    for payment in payments:
        billed = payment.amount + Decimal("10.00")
        body += [
            f"CLP*{payment.kid}*1*{billed:.2f}*{payment.amount:.2f}*0*12*{payment.seed:014d}*11*1",
            "CAS*CO*45*10.00",
            f"NM1*QC*1*{_x12_name(payment.payer_name)}",
        ]
    body.append(f"SE*{len(body) + 1}*{control_number:04d}")
    return body


def x12_835_file(
    payments: Sequence[SamplePayment],
    *,
    control_number: int = 1,
    payer: str = "ACME HEALTH INSURANCE",
    created_at: datetime | None = None,
) -> bytes:
    """An X12 835 (005010X221A1) remittance: one check, one claim per payment (kid = the patient control number),
    each billed 10.00 more than paid with a CO-45 adjustment."""
    created_at = created_at or datetime(2026, 1, 1, 6, 0)
    segments = [
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{'ACMEHEALTH':15}*ZZ*{'CLINICBILLING':15}*{created_at:%y%m%d}*"
        f"{created_at:%H%M}*^*00501*{control_number:09d}*0*P*:",
        f"GS*HP*ACMEHEALTH*CLINICBILLING*{created_at:%Y%m%d}*{created_at:%H%M}*{control_number}*X*005010X221A1",
        *_x12_segments(payments, control_number, payer),
        f"GE*1*{control_number}",
        f"IEA*1*{control_number:09d}",
    ]
    return "".join(f"{segment}~\n" for segment in segments).encode("ascii")
