"""The ledger: every posting goes through `_post` on a locked invoice, which keeps the invoice's cached sums in
the same transaction; `ledger_verify` recomputes them from the entries, and `owed_sums_verify` what the database
keeps owed per due date and per patient from the invoices.

Rows are locked in a stable order (counter, then invoice) with SELECT … FOR UPDATE, so concurrent
requests serialise on the invoice they change.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound
from clinic_billing.lifecycle import transition

from ..models import Invoice, InvoiceLine, InvoiceNumberCounter, LedgerEntry
from ..money import MoneyError, refuse_past_invoice_limit, to_money

Status = Invoice.Status
Kind = LedgerEntry.Kind


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


def _next_number(*, series: str, year: int) -> int:
    counter, _created = InvoiceNumberCounter.objects.get_or_create(series=series, year=year)
    counter = InvoiceNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


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


def invoice_lock(*, invoice_id: int) -> Invoice:
    """Lock an invoice row for a service of another app that changes money on it."""
    return _lock_invoice(invoice_id)


def invoice_charge_fee(*, invoice: Invoice, amount: Decimal, reference: str) -> LedgerEntry:
    """Post a reminder fee on a locked invoice, when the notice that carries it has gone out."""
    value = _positive_money(amount, "amount")
    _require_booked(invoice, _("A reminder fee"))
    return _post(invoice=invoice, kind=Kind.REMINDER_FEE, amount=value, by=None, reference=reference)


@dataclass(frozen=True)
class LedgerProblem:
    invoice_id: int
    message: str


def ledger_verify(*, invoice_ids: Sequence[int] | None = None) -> list[LedgerProblem]:
    """Recompute every cached sum from the entries and report each disagreement (reads only).

    Also reports every reduction, write-off, small-claim credit or correction that has no credit note, and every
    credit moved between invoices whose two entries do not cancel out.
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


def owed_sums_verify() -> list[str]:
    """Compare what the database keeps owed per due date and per patient (the aging report's source) with a
    fresh computation from the invoices; one line per disagreement (reads only, one snapshot like
    `ledger_verify`)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return _owed_sums_differences()
    return _owed_sums_differences()


def _owed_sums_differences() -> list[str]:
    from ..selectors import owed_sums_from_invoices, owed_sums_kept

    kept, fresh = owed_sums_kept(), owed_sums_from_invoices()
    return [
        f"owed by {kind} {key}: kept {kept.get((kind, key))} but the invoices give {fresh.get((kind, key))}"
        f" (cents, invoices)"
        for kind, key in sorted(kept.keys() | fresh.keys(), key=str)
        if kept.get((kind, key)) != fresh.get((kind, key))
    ]


def _ledger_problems(invoice_ids: Sequence[int] | None) -> list[LedgerProblem]:
    from ..selectors import credit_entries_without_credit_note, credit_transfers_unbalanced, ledger_sums_by_invoice

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
    problems += [LedgerProblem(pk, message) for pk, message in credit_transfers_unbalanced(invoice_ids=invoice_ids)]
    return problems
