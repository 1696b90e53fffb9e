"""Credits on an issued invoice, each documented by a numbered credit note: a credit, an approved adjustment
(reduction, write-off, small-claim credit); and the corrections beside them, a reversal and a refund."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound
from integration_events.models import EventType
from integration_events.services import event_record

from ..models import CreditNote, Invoice, InvoiceLine, LedgerEntry
from ..money import CENT, ZERO
from ..parties import buyer_snapshot, seller_snapshot
from ..templatetags.money import money
from .ledger import _lock_invoice, _next_number, _positive_money, _post, _require_booked, invoice_transition

Status = Invoice.Status
Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class CreditNoteNumber:
    issued_at: datetime
    year: int
    sequence: int

    @property
    def number(self) -> str:
        return CreditNote.number_of(self.year, self.sequence)


def _credit_note_number() -> CreditNoteNumber:
    """Take the next number of the credit-note series (the counter row stays locked until commit)."""
    issued_at = timezone.localtime()
    sequence = _next_number(series=CreditNote.SERIES, year=issued_at.year)
    return CreditNoteNumber(issued_at=issued_at, year=issued_at.year, sequence=sequence)


def _credit_note_issue(
    *,
    invoice: Invoice,
    entry: LedgerEntry,
    numbered: CreditNoteNumber,
    reason: str,
    line_ids: Sequence[int],
    requested_by: User | None,
    approved_by: User | None,
) -> CreditNote:
    """Keep the document for a credit entry just posted on a locked invoice.

    Called inside the transaction that posts the entry, so an entry never exists without its credit note
    and a rolled-back credit consumes no number (the counter row is locked after the invoice, as at issue).
    """
    credit_note = CreditNote.objects.create(
        invoice=invoice,
        ledger_entry=entry,
        number=numbered.number,
        year=numbered.year,
        sequence=numbered.sequence,
        kind=CreditNote.KIND_OF_ENTRY[entry.kind],
        amount=-entry.amount,
        reason=reason.strip()[:300],
        requested_by=requested_by,
        approved_by=approved_by,
        issued_at=numbered.issued_at,
        seller_details=seller_snapshot(),
        buyer_details=buyer_snapshot(invoice.patient),
    )
    if line_ids:
        credit_note.lines.set(line_ids)
    event_record(
        type=EventType.CREDIT_NOTE_ISSUED,
        obj=credit_note,
        patient_id=invoice.patient_id,
        data={
            "invoice": invoice.pk,
            "number": credit_note.number,
            "kind": credit_note.kind,
            "amount": credit_note.amount,
        },
    )
    return credit_note


def _lines_of(invoice: Invoice, line_ids: Sequence[int]) -> list[int]:
    """The given line ids, refused unless every one is a line of this invoice."""
    if not line_ids:
        return []
    wanted = set(line_ids)
    found = set(InvoiceLine.objects.filter(invoice=invoice, pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:
        raise ApplicationError(_("A credit note can only name lines of the invoice it credits."), field="lines")
    return sorted(found)


# What was charged on an invoice: the charge at issue and every reminder fee, less the fees reversed since
# (a charge itself is never reversed). Every credit of every kind draws on it (CreditNote.KIND_OF_ENTRY).
CHARGED_ENTRIES = Q(kind__in=[Kind.CHARGE, Kind.REMINDER_FEE]) | Q(kind=Kind.REVERSAL, reverses__kind=Kind.REMINDER_FEE)
CREDITED_ENTRIES = Q(kind__in=list(CreditNote.KIND_OF_ENTRY))


@dataclass(frozen=True)
class CreditRoom:
    """How much more may be credited on a locked invoice, by a credit note or an adjustment alike."""

    uncredited: Decimal  # what was charged less every credit already given
    creditable: Decimal  # the most one credit may be now: the uncredited charges, and no more than the patient owes

    def check(self, value: Decimal) -> None:
        """Refuse a credit beyond the room, naming the amount still creditable in the reader's language."""
        if ZERO < value <= self.creditable:
            return
        if self.creditable <= 0:
            message = _(
                "Nothing can be credited on this invoice now: what was charged is credited in full, or the patient "
                "owes nothing on it."
            )
        else:
            message = _(
                "At most %(amount)s can be credited on this invoice now: what was charged less every credit "
                "already given, and no more than the patient owes."
            ) % {"amount": money(self.creditable)}
        raise ApplicationError(message, field="amount")


def _credit_room(invoice: Invoice) -> CreditRoom:
    """The credit room of a locked invoice: one query over its entries."""
    sums = invoice.entries.aggregate(
        charged=Sum("amount", filter=CHARGED_ENTRIES), credited=Sum("amount", filter=CREDITED_ENTRIES)
    )
    # SQLite sums decimals as floats; quantising to cents restores the exact value (PostgreSQL is exact).
    charged = Decimal(sums["charged"] or 0).quantize(CENT)
    uncredited = charged + Decimal(sums["credited"] or 0).quantize(CENT)
    return CreditRoom(uncredited=uncredited, creditable=max(ZERO, min(uncredited, invoice.patient_due)))


def invoice_credit_room(*, invoice: Invoice) -> CreditRoom:
    """How much may still be credited on a locked invoice; refused (409) unless it is issued."""
    _require_booked(invoice, _("A credit note"))
    return _credit_room(invoice)


@transaction.atomic
def invoice_credit(
    *,
    invoice_id: int,
    amount: Decimal | str | None,
    reason: str,
    by: User | None,
    line_ids: Sequence[int] = (),
) -> LedgerEntry:
    """Issue a credit note for part or all of an issued invoice (never by editing its lines).

    Credit notes take the next number of their own gapless series. Crediting the whole remaining
    charge marks the invoice credited.
    """
    if not reason.strip():
        raise ApplicationError(_("Say why the invoice is credited."), field="reason")
    invoice = _lock_invoice(invoice_id)
    _require_booked(invoice, _("A credit note"))
    lines = _lines_of(invoice, line_ids)
    room = _credit_room(invoice)
    value = room.creditable if amount is None else _positive_money(amount, "amount")
    room.check(value)
    numbered = _credit_note_number()
    entry = _post(
        invoice=invoice,
        kind=Kind.CREDIT_NOTE,
        amount=-value,
        by=by,
        reference=numbered.number,
        note=reason.strip()[:300],
    )
    _credit_note_issue(
        invoice=invoice,
        entry=entry,
        numbered=numbered,
        reason=reason,
        line_ids=lines,
        requested_by=None,
        approved_by=by,
    )
    if value == room.uncredited and invoice.status == Status.ISSUED:
        invoice_transition(invoice=invoice, to_status=Status.CREDITED, by=by, reason=reason.strip()[:300])
    return entry


@transaction.atomic
def entry_reverse(*, entry_id: int, reason: str, by: User | None) -> LedgerEntry:
    """Correct a mistaken entry by posting its exact opposite. The original stays as it was."""
    if not reason.strip():
        raise ApplicationError(_("Say why the entry is reversed."), field="reason")
    invoice_id = LedgerEntry.objects.filter(pk=entry_id).values_list("invoice_id", flat=True).first()
    if invoice_id is None:
        raise NotFound(_("No such ledger entry."), field="entry")
    invoice = _lock_invoice(invoice_id)
    original = LedgerEntry.objects.get(pk=entry_id)
    if original.kind in (Kind.REVERSAL, Kind.CHARGE):
        raise InvalidTransition(
            _("A reversal cannot itself be reversed, and a charge is corrected with a credit note.")
        )
    if LedgerEntry.objects.filter(reverses=original).exists():
        raise InvalidTransition(_("This entry is already reversed."))
    if original.kind in CreditNote.KIND_OF_ENTRY:
        # The patient holds the credit note: silently undoing it would leave the books and the documents
        # the patient received disagreeing.
        raise InvalidTransition(_("A credit documented by a credit note is not reversed; bill the amount again."))
    if original.kind == Kind.REMINDER_FEE and _credit_room(invoice).uncredited < original.amount:
        # The fee was credited: taking it back too would leave more credited than was ever charged.
        raise InvalidTransition(_("This fee has been credited already, so it cannot be reversed as well."))
    return _post(
        invoice=invoice,
        kind=Kind.REVERSAL,
        amount=-original.amount,
        by=by,
        reference=original.reference,
        note=reason.strip()[:300],
        reverses=original,
    )


@transaction.atomic
def credit_refund(
    *, invoice_id: int, amount: Decimal | str, method: str, by: User | None, reference: str = "", note: str = ""
) -> LedgerEntry:
    """Pay back a patient's credit (an overpayment) on an invoice; never more than the credit.

    Staff ask for a refund through `refund_request_create`; the colleague who approves it calls this.
    """
    value = _positive_money(amount, "amount")
    invoice = _lock_invoice(invoice_id)
    _require_booked(invoice, _("A refund"))
    credit = -invoice.patient_due
    if value > credit:
        raise ApplicationError(
            _("Only a credit can be refunded; the credit on this invoice is %(credit)s.")
            % {"credit": max(credit, Decimal("0.00"))},
            field="amount",
        )
    if not method.strip():
        raise ApplicationError(_("Say how the refund is paid."), field="method")
    return _post(
        invoice=invoice,
        kind=Kind.REFUND,
        amount=value,
        by=by,
        method=method.strip(),
        reference=reference.strip()[:100],
        note=note.strip()[:300],
    )


ADJUSTMENT_KINDS = (Kind.REDUCTION, Kind.WRITE_OFF, Kind.SMALL_CLAIM_CREDIT)


def invoice_adjust(
    *,
    invoice: Invoice,
    kind: str,
    amount: Decimal,
    reference: str,
    note: str,
    by: User | None,
    requested_by: User | None = None,
    line_ids: Sequence[int] = (),
) -> LedgerEntry:
    """Post an approved reduction, write-off or small-claim credit on a locked invoice, with its credit note.

    Called by disputes.services.adjustment_approve (after the four-eyes checks) and by the collection case
    decision, inside their transactions; never more than the patient owes now, nor more than was charged less
    every credit already given (credit notes and adjustments alike). `by` approved it; the credit
    note names the lines it concerns (a complaint's disputed lines) and, where known, who asked for it.
    """
    if kind not in ADJUSTMENT_KINDS:
        raise ApplicationError(_("Only reductions, write-offs and small-claim credits adjust a bill."), field="kind")
    value = _positive_money(amount, "amount")
    _require_booked(invoice, _("An adjustment"))
    _credit_room(invoice).check(value)
    lines = _lines_of(invoice, line_ids)
    numbered = _credit_note_number()
    entry = _post(invoice=invoice, kind=kind, amount=-value, by=by, reference=reference, note=note[:300])
    _credit_note_issue(
        invoice=invoice,
        entry=entry,
        numbered=numbered,
        reason=note or str(LedgerEntry.Kind(kind).label),
        line_ids=lines,
        requested_by=requested_by,
        approved_by=by,
    )
    return entry
