"""Reads of bank files, their transactions and the reconciliation queue, and suggestions for a queued payment."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet

from invoices.models import Invoice

from .models import Allocation, BankFile, BankTransaction, Decision

SUGGESTIONS = 5
CANDIDATES = 50
NEAR_DUE_DAYS = 30


def bank_files() -> QuerySet[BankFile]:
    return BankFile.objects.select_related("imported_by")


def bank_file_transactions(*, bank_file_id: int) -> QuerySet[BankTransaction]:
    return (
        BankTransaction.objects.filter(bank_file_id=bank_file_id)
        .select_related("invoice__patient")
        .order_by("line", "id")
    )


def queued_transactions() -> QuerySet[BankTransaction]:
    return BankTransaction.objects.queued().select_related("invoice__patient", "bank_file").order_by("booked_on", "id")


def transaction_detail(*, transaction_pk: int) -> BankTransaction | None:
    allocations: QuerySet[Allocation] = Allocation.objects.select_related("invoice", "entry", "reversal")
    decisions: QuerySet[Decision] = Decision.objects.select_related("decided_by")
    return (
        BankTransaction.objects.select_related("invoice__patient", "bank_file", "duplicate_of")
        .prefetch_related(Prefetch("allocations", queryset=allocations), Prefetch("decisions", queryset=decisions))
        .filter(pk=transaction_pk)
        .first()
    )


@dataclass(frozen=True)
class Suggestion:
    invoice: Invoice
    reasons: tuple[str, ...]

    @property
    def score(self) -> int:
        return len(self.reasons)


def _name_words(name: str) -> list[str]:
    return [word for word in name.replace(",", " ").split() if len(word) >= 3][:4]


def suggestions_for(row: BankTransaction) -> list[Suggestion]:
    """Open invoices that may be what the payer meant: the same amount owed, the payer's name, a reference one
    digit away, a due date near the booking date. Best first; at most SUGGESTIONS."""
    words = _name_words(row.payer_name)
    by_name = Q()
    for word in words:
        by_name &= Q(patient__name__icontains=word)
    reference_stem = row.reference[:-1] if len(row.reference) >= 5 and row.reference.isdigit() else ""
    wanted = Q(balance=row.amount)
    if words:
        wanted |= by_name
    if reference_stem:
        wanted |= Q(payment_reference__startswith=reference_stem)
    candidates = (
        Invoice.objects.filter(status=Invoice.Status.ISSUED, balance__gt=0)
        .filter(wanted)
        .select_related("patient")
        .order_by("due_date", "id")[:CANDIDATES]
    )
    lowered = [word.lower() for word in words]
    suggestions = []
    for invoice in candidates:
        reasons = []
        if invoice.patient_due == row.amount:
            reasons.append("amount")
        if lowered and all(word in invoice.patient.name.lower() for word in lowered):
            reasons.append("name")
        if reference_stem and (invoice.payment_reference or "").startswith(reference_stem):
            reasons.append("reference")
        if invoice.due_date and abs(invoice.due_date - row.booked_on) <= timedelta(days=NEAR_DUE_DAYS):
            reasons.append("date")
        if reasons and reasons != ["date"]:
            suggestions.append(Suggestion(invoice, tuple(reasons)))
    suggestions.sort(key=lambda s: (-s.score, s.invoice.due_date or row.booked_on))
    return suggestions[:SUGGESTIONS]


def bank_transaction_of_entry(*, entry_id: int) -> int | None:
    """The bank transaction whose money a ledger entry posted, or None for a payment recorded otherwise."""
    return Allocation.objects.filter(entry_id=entry_id).values_list("transaction_id", flat=True).first()
