"""Every write that touches an invoice or money. One function per use case, each transactional.

Rows are locked in a stable order (counter, then invoice) with SELECT … FOR UPDATE, so concurrent
requests serialise on the invoice they change.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, InvalidTransition, NotFound
from clinic_billing.lifecycle import transition
from patients.models import Patient

from .jurisdiction import current_profile
from .models import (
    Coverage,
    CreditNote,
    InsuranceStatus,
    Invoice,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceStatusChange,
    LedgerEntry,
)
from .money import (
    CENT,
    MAX_QUANTITY,
    ZERO,
    MoneyError,
    parse_plain_decimal,
    refuse_past_invoice_limit,
    round_money,
    to_money,
)
from .parties import buyer_snapshot, seller_snapshot
from .payment_reference import account_reference, kid_for_invoice
from .templatetags.money import money

Status = Invoice.Status
Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class LineInput:
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    coverage: str = Coverage.PATIENT


def _money(value: Decimal | str | int, field: str) -> Decimal:
    try:
        return to_money(value)
    except MoneyError as exc:
        raise ApplicationError(str(exc), field=field) from exc


def _positive_money(value: Decimal | str | int, field: str) -> Decimal:
    amount = _money(value, field)
    if amount <= 0:
        raise ApplicationError(_("The amount must be greater than zero."), field=field)
    return amount


def _within_limit(*amounts: Decimal, field: str) -> None:
    try:
        refuse_past_invoice_limit(*amounts)
    except MoneyError as exc:
        raise ApplicationError(str(exc), field=field) from exc


def _lock_invoice(invoice_id: int) -> Invoice:
    try:
        return Invoice.objects.select_for_update().get(pk=invoice_id)
    except Invoice.DoesNotExist as exc:
        raise NotFound(_("No such invoice."), field="invoice") from exc


def invoice_transition(
    *, invoice: Invoice, to_status: str, by: User | None, reason: str = "", extra_fields: Sequence[str] = ()
) -> Invoice:
    """Move a locked invoice to `to_status` if its lifecycle allows it, recording who, when and why."""
    return transition(invoice, to_status, by=by, reason=reason, extra_fields=extra_fields)


def _validated_lines(lines: Sequence[LineInput]) -> list[InvoiceLine]:
    if not lines:
        raise ApplicationError(_("An invoice needs at least one line."), field="lines")
    result = []
    for position, line in enumerate(lines, start=1):
        field = f"lines[{position - 1}]"
        if not line.code.strip() or not line.description.strip():
            raise ApplicationError(_("Each line needs a service code and a description."), field=field)
        if line.coverage not in Coverage.values:
            raise ApplicationError(_("Coverage must be patient, insurer or exemption_card."), field=field)
        try:
            quantity = parse_plain_decimal(line.quantity)
        except MoneyError as exc:
            raise ApplicationError(_("Enter a quantity such as 1."), field=field) from exc
        if quantity <= 0 or quantity != quantity.quantize(Decimal("0.01")):
            raise ApplicationError(_("The quantity must be positive, with at most two decimals."), field=field)
        if quantity > MAX_QUANTITY:
            raise ApplicationError(_("The quantity can be at most %(max)s.") % {"max": MAX_QUANTITY}, field=field)
        unit_price = _money(line.unit_price, field)
        if unit_price < 0:
            raise ApplicationError(_("A unit price cannot be negative; issue a credit note instead."), field=field)
        # The product of two amounts within the limit can be far beyond it (and beyond the column).
        amount = _money(round_money(quantity * unit_price), field)
        result.append(
            InvoiceLine(
                position=position,
                code=line.code.strip(),
                description=line.description.strip(),
                quantity=quantity,
                unit_price=unit_price,
                coverage=line.coverage,
                amount=amount,
            )
        )
    _within_limit(sum((line.amount for line in result), Decimal("0.00")), field="lines")
    return result


@transaction.atomic
def invoice_create_draft(
    *,
    patient_id: int,
    service_date: date,
    lines: Sequence[LineInput],
    insurance_status: str | None = None,
    by: User | None,
) -> Invoice:
    """Create a draft invoice with its lines. Lines can change until the invoice is issued."""
    if not Patient.objects.filter(pk=patient_id).exists():
        raise NotFound(_("No such patient."), field="patient")
    built = _validated_lines(lines)
    has_third_party = any(line.coverage != Coverage.PATIENT for line in built)
    if insurance_status is None:
        insurance_status = InsuranceStatus.PENDING if has_third_party else InsuranceStatus.NONE
    if insurance_status not in InsuranceStatus.values:
        raise ApplicationError(_("Insurance status must be none, pending or settled."), field="insurance_status")
    if has_third_party and insurance_status == InsuranceStatus.NONE:
        raise ApplicationError(
            _("Lines covered by an insurer or an exemption card need insurance status pending or settled."),
            field="insurance_status",
        )
    invoice = Invoice.objects.create(
        patient_id=patient_id,
        service_date=service_date,
        insurance_status=insurance_status,
        insurance_settled_at=timezone.now() if insurance_status == InsuranceStatus.SETTLED else None,
        created_by=by,
    )
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    return invoice


@transaction.atomic
def invoice_replace_lines(*, invoice_id: int, lines: Sequence[LineInput]) -> Invoice:
    """Replace all lines of a draft."""
    invoice = _lock_invoice(invoice_id)
    if not invoice.is_draft:
        raise InvalidTransition(_("This invoice is issued: its lines are frozen. Issue a credit note instead."))
    built = _validated_lines(lines)
    invoice.lines.all().delete()
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    return invoice


def _next_number(*, series: str, year: int) -> int:
    counter, _created = InvoiceNumberCounter.objects.get_or_create(series=series, year=year)
    counter = InvoiceNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def _payment_reference(invoice: Invoice, year: int, sequence: int, number: str) -> str:
    scheme = current_profile().payment_reference_scheme
    if scheme == "KID":
        return kid_for_invoice(
            year=year,
            sequence=sequence,
            length=settings.PAYMENT_REFERENCE_LENGTH,
            scheme=settings.PAYMENT_REFERENCE_SCHEME,
        )
    if scheme == "ACCOUNT":
        return account_reference(patient_id=invoice.patient_id, year=year, sequence=sequence)
    return number


@transaction.atomic
def invoice_issue(*, invoice_id: int, by: User | None, today: date | None = None) -> Invoice:
    """Freeze the lines, take the next gapless number of the year, set reference and due date, post the charge.

    The number counter is locked inside this transaction: a rolled-back issue consumes no number.
    """
    now = timezone.localtime()
    if today is not None and today != now.date():
        # Back-dated issue (imports, demo data): keep the time of day, move the date.
        now = now.replace(year=today.year, month=today.month, day=today.day)
    today = now.date()
    # Lock order: counter (inside _next_number) after the invoice would invite deadlocks with other
    # issuers, so take the invoice first and the counter last, always.
    invoice = _lock_invoice(invoice_id)
    if not invoice.is_draft:
        raise InvalidTransition(_("This invoice is already issued."))
    lines = list(invoice.lines.all())
    if not lines:
        raise ApplicationError(_("An invoice needs at least one line."), field="lines")
    total = sum((line.amount for line in lines), Decimal("0.00"))
    if total <= 0:
        raise ApplicationError(_("An invoice total must be greater than zero."), field="lines")
    # Lines written before the limit was lowered (or by an import) are checked again before they are booked.
    _within_limit(total, field="lines")
    third_party = sum((line.amount for line in lines if line.coverage != Coverage.PATIENT), Decimal("0.00"))
    year = today.year
    sequence = _next_number(series="invoice", year=year)
    invoice.year = year
    invoice.sequence = sequence
    invoice.number = Invoice.number_of(year, sequence)
    invoice.payment_reference = _payment_reference(invoice, year, sequence, invoice.number)
    invoice.issued_at = now
    invoice.due_date = today + timedelta(days=current_profile().payment_terms_days)
    invoice.total = total
    invoice.third_party_share = third_party
    invoice.seller_details = seller_snapshot()
    invoice.buyer_details = buyer_snapshot(invoice.patient)
    invoice_transition(
        invoice=invoice,
        to_status=Status.ISSUED,
        by=by,
        extra_fields=[
            "year",
            "sequence",
            "number",
            "payment_reference",
            "issued_at",
            "due_date",
            "total",
            "third_party_share",
            "seller_details",
            "buyer_details",
        ],
    )
    _post(invoice=invoice, kind=Kind.CHARGE, amount=total, by=by, reference=invoice.number)
    return invoice


@transaction.atomic
def invoice_void_draft(*, invoice_id: int, by: User | None, reason: str) -> Invoice:
    """Cancel a draft that will never be issued (it has no number, so no gap appears)."""
    invoice = _lock_invoice(invoice_id)
    return invoice_transition(invoice=invoice, to_status=Status.VOID, by=by, reason=reason)


def _post(
    *,
    invoice: Invoice,
    kind: str,
    amount: Decimal,
    by: User | None,
    method: str = "",
    reference: str = "",
    note: str = "",
    idempotency_key: str | None = None,
    request_fingerprint: str = "",
    reverses: LedgerEntry | None = None,
) -> LedgerEntry:
    """Post one entry on a locked invoice and keep its cached sums in the same transaction.

    Checked before anything is written: neither the balance nor what the insurer paid may pass the invoice
    limit either way, so no cached sum or running balance comes near what its column holds.
    """
    new_balance = invoice.balance + amount
    new_insurer_paid = invoice.insurer_paid
    if kind == Kind.INSURANCE_PAYMENT or (reverses is not None and reverses.kind == Kind.INSURANCE_PAYMENT):
        new_insurer_paid -= amount
    _within_limit(amount, new_balance, new_insurer_paid, field="amount")
    entry = LedgerEntry.objects.create(
        invoice=invoice,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        posted_at=timezone.now(),
        posted_by=by,
        method=method,
        reference=reference,
        note=note,
        idempotency_key=idempotency_key,
        request_fingerprint=request_fingerprint,
        reverses=reverses,
    )
    invoice.balance = new_balance
    fields = ["balance"]
    if new_insurer_paid != invoice.insurer_paid:
        invoice.insurer_paid = new_insurer_paid
        fields.append("insurer_paid")
    invoice.save(update_fields=fields)
    return entry


def _require_booked(invoice: Invoice, action: str) -> None:
    if invoice.status not in Invoice.BOOKED_STATUSES:
        raise InvalidTransition(
            _("%(action)s is only possible on an issued invoice; this one is %(status)s.")
            % {"action": action, "status": Status(invoice.status).label.lower()}
        )


def request_fingerprint(payload: dict[str, object]) -> str:
    """A stable hash of a request body, to tell a replay from a reuse of the same idempotency key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PaymentResult:
    entry: LedgerEntry
    created: bool


def payment_record(
    *,
    invoice_id: int,
    amount: Decimal | str,
    payer: str,
    method: str,
    by: User | None,
    reference: str = "",
    idempotency_key: str | None = None,
) -> PaymentResult:
    """Record a payment from the patient or the insurer.

    With an idempotency key, a replay returns the first entry and a reuse with another body is refused.
    Keys belong to whoever posts (`by`; postings without a user share one scope): another user's same key
    is a different key, so nobody can fetch someone else's payment by guessing or replaying their key.
    An overpayment is kept: the invoice balance goes below zero and shows as a credit for the patient.
    """
    amount = _positive_money(amount, "amount")
    if payer not in ("patient", "insurer"):
        raise ApplicationError(_("The payer must be patient or insurer."), field="payer")
    method = (method or "").strip()
    if not method:
        raise ApplicationError(_("Say how it was paid (bank transfer, card, cash, …)."), field="method")
    fingerprint = request_fingerprint(
        {"invoice": invoice_id, "amount": str(amount), "payer": payer, "method": method, "reference": reference}
    )
    try:
        with transaction.atomic():
            invoice = _lock_invoice(invoice_id)
            if idempotency_key:
                existing = _entry_for_key(idempotency_key, by)
                if existing is not None:
                    return _replayed(existing, fingerprint)
            _require_booked(invoice, _("A payment"))
            entry = _post(
                invoice=invoice,
                kind=Kind.INSURANCE_PAYMENT if payer == "insurer" else Kind.PATIENT_PAYMENT,
                amount=-amount,
                by=by,
                method=method,
                reference=reference,
                idempotency_key=idempotency_key or None,
                request_fingerprint=fingerprint,
            )
            return PaymentResult(entry=entry, created=True)
    except IntegrityError:
        # The same user's key committed by another invoice's transaction in the meantime.
        existing = _entry_for_key(idempotency_key, by) if idempotency_key else None
        if existing is None:
            raise
        return _replayed(existing, fingerprint)


def _entry_for_key(idempotency_key: str, by: User | None) -> LedgerEntry | None:
    entries = LedgerEntry.objects.filter(idempotency_key=idempotency_key)
    return (entries.filter(posted_by=by) if by is not None else entries.filter(posted_by__isnull=True)).first()


def _replayed(existing: LedgerEntry, fingerprint: str) -> PaymentResult:
    if existing.request_fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different payment. Use a new key."),
            field="idempotency_key",
        )
    return PaymentResult(entry=existing, created=False)


@transaction.atomic
def invoice_mark_insurance_settled(*, invoice_id: int, by: User | None) -> Invoice:
    """The insurer's part is final: what it paid stands and the rest of the balance is the patient's."""
    invoice = _lock_invoice(invoice_id)
    if invoice.status == Status.VOID:
        raise InvalidTransition(_("A cancelled draft has no insurance to settle."))
    if invoice.insurance_status == InsuranceStatus.SETTLED:
        raise InvalidTransition(_("Insurance is already settled on this invoice."))
    invoice.insurance_status = InsuranceStatus.SETTLED
    invoice.insurance_settled_at = timezone.now()
    invoice.save(update_fields=["insurance_status", "insurance_settled_at"])
    InvoiceStatusChange.objects.create(
        invoice=invoice,
        from_status=invoice.status,
        to_status=invoice.status,
        changed_at=invoice.insurance_settled_at,
        changed_by=by,
        reason="insurance settled",
    )
    return invoice


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
def credit_refund(*, invoice_id: int, amount: Decimal | str, method: str, by: User | None) -> LedgerEntry:
    """Pay back a patient's credit (an overpayment) on an invoice; never more than the credit."""
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
    return _post(invoice=invoice, kind=Kind.REFUND, amount=value, by=by, method=method.strip())


@dataclass(frozen=True)
class LedgerProblem:
    invoice_id: int
    message: str


def ledger_verify(*, invoice_ids: Sequence[int] | None = None) -> list[LedgerProblem]:
    """Recompute every cached sum from the entries and report each disagreement (reads only).

    Also reports every reduction, write-off, small-claim credit or correction that has no credit note.
    On PostgreSQL its reads share one snapshot (REPEATABLE READ, read only): read statement by statement, a
    payment or fee committed between reading the sums and reading the invoices looked like a disagreement
    (seen when two catch-up runs overlapped). SQLite's transactions take the write lock here, so it reads as is.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return _ledger_problems(invoice_ids)
    return _ledger_problems(invoice_ids)


def _ledger_problems(invoice_ids: Sequence[int] | None) -> list[LedgerProblem]:
    from .selectors import credit_entries_without_credit_note, ledger_sums_by_invoice

    problems: list[LedgerProblem] = []
    invoices = Invoice.objects.issued() if invoice_ids is None else Invoice.objects.filter(pk__in=invoice_ids)
    sums = ledger_sums_by_invoice(invoice_ids=invoice_ids)
    line_totals = dict(
        InvoiceLine.objects.filter(invoice__in=invoices)
        .values_list("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    for invoice in invoices.only("id", "status", "total", "balance", "insurer_paid").iterator(chunk_size=2000):
        balance, insurer_paid, last_balance_after = sums.get(invoice.pk, (Decimal("0"), Decimal("0"), None))
        if invoice.status in Invoice.BOOKED_STATUSES and line_totals.get(invoice.pk, Decimal("0")) != invoice.total:
            problems.append(LedgerProblem(invoice.pk, "total differs from the sum of its lines"))
        if balance != invoice.balance:
            problems.append(LedgerProblem(invoice.pk, f"balance {invoice.balance} but entries sum to {balance}"))
        if insurer_paid != invoice.insurer_paid:
            problems.append(
                LedgerProblem(invoice.pk, f"insurer paid {invoice.insurer_paid} but entries give {insurer_paid}")
            )
        if last_balance_after is not None and last_balance_after != balance:
            problems.append(LedgerProblem(invoice.pk, "running balance of the last entry differs from the sum"))
    for entry in credit_entries_without_credit_note(invoice_ids=invoice_ids):
        problems.append(LedgerProblem(entry.invoice_id, f"{entry.kind} entry id={entry.pk} has no credit note"))
    return problems


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


def issued_documents_anonymise(*, patient: Patient) -> None:
    """Replace the buyer snapshot of the patient's invoices and credit notes with their anonymised details.

    Called by the patients app's anonymisation, after the patient row was anonymised and the bookkeeping
    period has passed: the documents keep their numbers and amounts but no longer identify the person.
    """
    details = buyer_snapshot(patient)
    # Two audited bulk updates (clinic_billing.audited): each row's change is logged, in queries that do not
    # grow with the number of documents.
    Invoice.objects.filter(patient=patient).exclude(buyer_details={}).update(buyer_details=details)
    CreditNote.objects.filter(invoice__patient=patient).replace_buyer_details(details)


def invoice_lock(*, invoice_id: int) -> Invoice:
    """Lock an invoice row for a service of another app that changes money on it."""
    return _lock_invoice(invoice_id)


def invoice_charge_fee(*, invoice: Invoice, amount: Decimal, reference: str) -> LedgerEntry:
    """Post a reminder fee on a locked invoice, when the notice that carries it has gone out."""
    value = _positive_money(amount, "amount")
    _require_booked(invoice, _("A reminder fee"))
    return _post(invoice=invoice, kind=Kind.REMINDER_FEE, amount=value, by=None, reference=reference)
