"""Payments from the patient or the insurer, with idempotency keys, and the insurer's settlement."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, InvalidTransition, NotFound
from integration_events.models import EventType
from integration_events.services import NewEvent, event_record, events_record

from ..models import InsuranceStatus, Invoice, InvoiceStatusChange, LedgerEntry
from .ledger import _lock_invoice, _positive_money, _post, _require_booked, _within_limit

Status = Invoice.Status
Kind = LedgerEntry.Kind


def request_fingerprint(payload: dict[str, object]) -> str:
    """A stable hash of a request body, to tell a replay from a reuse of the same idempotency key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _payment_fingerprint(invoice_id: int, amount: Decimal, payer: str, method: str, reference: str) -> str:
    """What a payment's idempotency key stands for: the same for a payment typed, sent or batched."""
    return request_fingerprint(
        {"invoice": invoice_id, "amount": str(amount), "payer": payer, "method": method, "reference": reference}
    )


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
    fingerprint = _payment_fingerprint(invoice_id, amount, payer, method, reference)
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
            event_record(
                type=EventType.PAYMENT_RECEIVED, obj=entry, patient_id=invoice.patient_id, data=payment_data(entry)
            )
            return PaymentResult(entry=entry, created=True)
    except IntegrityError:
        # The same user's key committed by another invoice's transaction in the meantime.
        existing = _entry_for_key(idempotency_key, by) if idempotency_key else None
        if existing is None:
            raise
        return _replayed(existing, fingerprint)


def payment_data(entry: LedgerEntry) -> dict[str, object]:
    """A payment.received event's payload: the invoice, the amount paid (positive) and who paid."""
    payer = "insurer" if entry.kind == Kind.INSURANCE_PAYMENT else "patient"
    return {"invoice": entry.invoice_id, "amount": -entry.amount, "payer": payer, "balance_after": entry.balance_after}


def _entry_for_key(idempotency_key: str, by: User | None) -> LedgerEntry | None:
    entries = LedgerEntry.objects.filter(idempotency_key=idempotency_key)
    return (entries.filter(posted_by=by) if by is not None else entries.filter(posted_by__isnull=True)).first()


def _replayed(existing: LedgerEntry, fingerprint: str) -> PaymentResult:
    if existing.request_fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different payment. Use a new key."),
            field="idempotency_key",
            code="idempotency_key_reused",
        )
    return PaymentResult(entry=existing, created=False)


@dataclass(frozen=True)
class BatchPayment:
    """One patient payment of a batch the system posts (a bank file): no user, the bank's id as the key."""

    invoice_id: int
    amount: Decimal
    method: str
    reference: str
    idempotency_key: str


def payments_record_batch(*, payments: Sequence[BatchPayment]) -> list[LedgerEntry | ApplicationError]:
    """Post many patient payments in one transaction, by the rules of `payment_record` (posted by nobody).

    For each payment, in order: the entry posted, the entry a replay of its key found, or the refusal (a
    key reused with another body, an amount that is not money, an invoice that is not booked or unknown). The
    invoices are locked together in id order, the entries inserted at once and each invoice's cached balance
    written once, so a bank file's thousand payments cost a handful of queries instead of ten apiece; the
    audit log has the same rows as one payment at a time would leave.
    """
    with transaction.atomic():
        ids = sorted({payment.invoice_id for payment in payments})
        invoices = {
            invoice.pk: invoice for invoice in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        before = {
            pk: {"balance": invoice.balance, "updated_at": invoice.updated_at} for pk, invoice in invoices.items()
        }
        keys = [payment.idempotency_key for payment in payments]
        known = {
            entry.idempotency_key: entry
            for entry in LedgerEntry.objects.filter(posted_by__isnull=True, idempotency_key__in=keys)
        }
        results: list[LedgerEntry | ApplicationError] = []
        new_entries: list[LedgerEntry] = []
        changed: dict[int, Invoice] = {}
        now, action = timezone.now(), _("A payment")
        for payment in payments:
            try:
                entry, created = _batch_entry(payment, invoices, known, now, action)
            except ApplicationError as refused:
                results.append(refused)
                continue
            results.append(entry)
            if created:
                new_entries.append(entry)
                changed[entry.invoice_id] = invoices[entry.invoice_id]
        LedgerEntry.objects.bulk_create(new_entries)
        events_record(
            events=[
                NewEvent(EventType.PAYMENT_RECEIVED, entry, invoices[entry.invoice_id].patient_id, payment_data(entry))
                for entry in new_entries
            ]
        )
        for invoice in changed.values():
            invoice.updated_at = now
        Invoice.objects.update_locked_rows(
            list(changed.values()), ["balance", "updated_at"], {pk: before[pk] for pk in changed}
        )
    return results


def _batch_entry(
    payment: BatchPayment,
    invoices: dict[int, Invoice],
    known: dict[str | None, LedgerEntry],
    now: datetime,
    action: str,
) -> tuple[LedgerEntry, bool]:
    """The payment's new (unsaved) entry and True, or the entry its key already has and False."""
    amount = _positive_money(payment.amount, "amount")
    method = payment.method.strip()
    fingerprint = _payment_fingerprint(payment.invoice_id, amount, "patient", method, payment.reference)
    existing = known.get(payment.idempotency_key)
    if existing is not None:
        return _replayed(existing, fingerprint).entry, False
    invoice = invoices.get(payment.invoice_id)
    if invoice is None:
        raise NotFound(_("No such invoice."), field="invoice")
    _require_booked(invoice, action)
    new_balance = invoice.balance - amount
    _within_limit(-amount, new_balance, invoice.insurer_paid, field="amount")
    entry = LedgerEntry(
        invoice=invoice,
        kind=Kind.PATIENT_PAYMENT,
        amount=-amount,
        balance_after=new_balance,
        posted_at=now,
        posted_by=None,
        method=method,
        reference=payment.reference,
        idempotency_key=payment.idempotency_key,
        request_fingerprint=fingerprint,
    )
    invoice.balance = new_balance
    known[payment.idempotency_key] = entry
    return entry, True


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
