"""Payments from the patient or the insurer, with idempotency keys, and the insurer's settlement."""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, InvalidTransition

from ..models import InsuranceStatus, Invoice, InvoiceStatusChange, LedgerEntry
from .ledger import _lock_invoice, _positive_money, _post, _require_booked

Status = Invoice.Status
Kind = LedgerEntry.Kind


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
            code="idempotency_key_reused",
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
