"""Reads used by views, the API and tasks. Each returns a fixed number of queries, whatever the data size."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from patients.selectors import tiers_payant_held

from .models import (
    Coverage,
    CreditApplication,
    CreditNote,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    OwedByDueDate,
    OwedByPatient,
    RefundExportBatch,
    RefundMethod,
    RefundRequest,
    totals_of_lines,
)
from .money import CENT
from .shares import Audience, BillFacts, BillShares, Entry, InsurerKind, bill_shares

Kind = LedgerEntry.Kind
INSURER_ENTRIES = Q(kind=Kind.INSURANCE_PAYMENT) | Q(kind=Kind.REVERSAL, reverses__kind=Kind.INSURANCE_PAYMENT)


# What is owed per due date or per patient, as (cents, invoice count): OwedByDueDate's and OwedByPatient's rows.
OwedSums = dict[tuple[str, object], tuple[int, int]]


def owed_sums_kept() -> OwedSums:
    """The owed-per-due-date and owed-per-patient rows the database keeps, keyed ("due_date", day) and
    ("patient", id)."""
    kept: OwedSums = {}
    for day, cents, count in OwedByDueDate.objects.values_list("due_date", "owed_cents", "invoice_count"):
        kept["due_date", day] = (cents, count)
    for patient_id, cents, count in OwedByPatient.objects.values_list("patient_id", "owed_cents", "invoice_count"):
        kept["patient", patient_id] = (cents, count)
    return kept


def owed_sums_from_invoices() -> OwedSums:
    """The same figures computed afresh from the invoices' cached sums (which `ledger_verify` checks against
    the entries), by `with_patient_due`: the definition the aging report has always used."""
    owed = Invoice.objects.issued().with_patient_due().filter(patient_due_amount__gt=0).order_by()  # type: ignore[misc]
    fresh: OwedSums = {}
    for key in ("due_date", "patient"):
        for row in owed.values(key).annotate(amount=Sum("patient_due_amount"), count=Count("id")):
            # SQLite sums decimals as floats: quantising to cents restores the exact value.
            cents = int(Decimal(str(row["amount"])).quantize(CENT) * 100)
            fresh[key, row[key]] = (cents, row["count"])
    return fresh


def ledger_sums_by_invoice(
    *, invoice_ids: Sequence[int] | None = None
) -> dict[int, tuple[Decimal, Decimal, Decimal | None]]:
    """Per invoice: sum of entries, net insurer payments, and the running balance of the latest entry."""
    entries = LedgerEntry.objects.all()
    if invoice_ids is not None:
        entries = entries.filter(invoice_id__in=invoice_ids)
    latest = LedgerEntry.objects.filter(invoice_id=OuterRef("invoice_id")).order_by("-posted_at", "-id")
    rows = (
        entries.values("invoice_id")
        .annotate(
            balance=Sum("amount"),
            insurer=Sum("amount", filter=INSURER_ENTRIES),
            last_balance_after=Subquery(latest.values("balance_after")[:1]),
        )
        .order_by()
    )
    # SQLite sums decimals as floats; quantising to cents restores the exact value (PostgreSQL is exact).
    return {
        row["invoice_id"]: (
            Decimal(row["balance"]).quantize(CENT),
            -Decimal(row["insurer"] or 0).quantize(CENT),
            row["last_balance_after"],
        )
        for row in rows
    }


def credit_entries_without_credit_note(*, invoice_ids: Sequence[int] | None = None) -> QuerySet[LedgerEntry]:
    """Reductions, write-offs, small-claim credits and corrections posted without a credit note: 1 query.

    Every such entry must have one (bokføringsforskriften: a correction is a credit note), so this is always
    empty; `manage.py verify_ledger` reports what it finds.
    """
    entries = LedgerEntry.objects.filter(kind__in=list(CreditNote.KIND_OF_ENTRY), credit_note__isnull=True)
    if invoice_ids is not None:
        entries = entries.filter(invoice_id__in=invoice_ids)
    return entries.order_by("invoice_id", "posted_at", "id")


def credit_transfers_unbalanced(*, invoice_ids: Sequence[int] | None = None) -> list[tuple[int, str]]:
    """Credit moved between invoices whose books disagree: (invoice id, what is wrong); 2 queries.

    Every credit transfer entry belongs to one application whose two entries sum to zero, each on the invoice
    the application names, so this is always empty; `manage.py verify_ledger` reports what it finds.
    """
    transfer_kinds = [LedgerEntry.Kind.CREDIT_TRANSFER_OUT, LedgerEntry.Kind.CREDIT_TRANSFER_IN]
    orphans = LedgerEntry.objects.filter(
        kind__in=transfer_kinds, credit_application_out__isnull=True, credit_application_in__isnull=True
    )
    applications = CreditApplication.objects.filter(
        ~Q(entry_out__amount=-F("entry_in__amount"))
        | ~Q(entry_out__amount=F("amount"))
        | ~Q(entry_out__invoice=F("source"))
        | ~Q(entry_in__invoice=F("target"))
    )
    if invoice_ids is not None:
        orphans = orphans.filter(invoice_id__in=invoice_ids)
        applications = applications.filter(Q(source_id__in=invoice_ids) | Q(target_id__in=invoice_ids))
    problems = [(entry.invoice_id, f"{entry.kind} entry id={entry.pk} has no credit application") for entry in orphans]
    problems += [
        (application.source_id, f"credit application id={application.pk} does not move one amount between two invoices")
        for application in applications
    ]
    return problems


def credit_note_detail(*, credit_note_id: int) -> CreditNote | None:
    """A credit note with its invoice, patient, lines and the people who asked for and approved it: 2 queries."""
    return (
        CreditNote.objects.select_related("invoice__patient", "requested_by", "approved_by")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id")))
        .filter(pk=credit_note_id)
        .first()
    )


def credit_notes_for_invoice(*, invoice_id: int) -> QuerySet[CreditNote]:
    """The credit notes of one invoice, oldest first: 1 query."""
    return CreditNote.objects.filter(invoice_id=invoice_id).order_by("issued_at", "id")


def invoice_detail(*, invoice_id: int) -> Invoice | None:
    """An invoice with patient, lines, ledger entries and credit notes (with their lines): 5 queries.

    A draft keeps no totals until it is issued (invoice_issue books them): its totals are what its lines add
    up to, so every page and its PDF show them.
    """
    invoice = invoices_with_details().filter(pk=invoice_id).first()
    if invoice is not None and invoice.is_draft:
        invoice.total, invoice.third_party_share = totals_of_lines(invoice.lines.all())
    return invoice


def invoices_matching(
    *,
    patient_id: int | None = None,
    status: str | None = None,
    updated_since: datetime | None = None,
    external_source: str | None = None,
    external_reference: str | None = None,
) -> QuerySet[Invoice]:
    """Invoices with their details (as invoice_detail, 5 queries a page) matching every criterion given."""
    invoices = invoices_with_details()
    if patient_id is not None:
        invoices = invoices.filter(patient_id=patient_id)
    if status is not None:
        invoices = invoices.filter(status=status)
    if updated_since is not None:
        invoices = invoices.filter(updated_at__gte=updated_since)
    if external_reference is not None:
        invoices = invoices.filter(external_source=external_source or "", external_reference=external_reference)
    return invoices


PAYMENT_KINDS = (LedgerEntry.Kind.PATIENT_PAYMENT, LedgerEntry.Kind.INSURANCE_PAYMENT)


def payments_posted(*, since: datetime | None = None) -> QuerySet[LedgerEntry]:
    """Payments from patients and insurers, however recorded (API, desk, bank file, online), posted since a
    moment. Entries are never edited, so when one was posted is when it changed."""
    payments = LedgerEntry.objects.filter(kind__in=PAYMENT_KINDS).select_related("invoice")
    return payments if since is None else payments.filter(posted_at__gte=since)


def patient_balances(*, patient_ids: Sequence[int]) -> dict[int, Decimal]:
    """patient_balance of each patient, in one query; a patient without issued invoices owes 0.00."""
    sums = (
        Invoice.objects.issued()
        .filter(patient_id__in=patient_ids)
        .with_patient_due()
        .values("patient_id")
        .annotate(s=Sum("patient_due_amount"))
        .values_list("patient_id", "s")
    )
    found = {patient_id: Decimal(total).quantize(CENT) for patient_id, total in sums}
    return {patient_id: found.get(patient_id, Decimal("0.00")) for patient_id in patient_ids}


def invoices_with_details() -> QuerySet[Invoice]:
    return (
        Invoice.objects.select_related("patient")
        # One prefetch per call: the related querysets are different audited classes, which mypy cannot join.
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id")))
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=LedgerEntry.objects.select_related("posted_by", "reverses").order_by("posted_at", "id"),
            )
        )
        .prefetch_related(
            Prefetch(
                "credit_notes",
                queryset=CreditNote.objects.select_related("approved_by")
                .prefetch_related("lines")
                .order_by("issued_at", "id"),
            )
        )
    )


def invoices_for_patient(*, patient_id: int) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(patient_id=patient_id)
        .exclude(status=Invoice.Status.VOID)
        .with_patient_due()
        .order_by("-service_date", "-id")
    )


def patient_balance(*, patient_id: int) -> Decimal:
    """What the patient owes now over all issued invoices (negative: a credit in their favour)."""
    total = (
        Invoice.objects.issued()
        .filter(patient_id=patient_id)
        .with_patient_due()
        .aggregate(s=Sum("patient_due_amount"))["s"]
    )
    return Decimal(total if total is not None else 0).quantize(CENT)


def ledger_history_for_patient(*, patient_id: int) -> QuerySet[LedgerEntry]:
    """Every entry posted on the patient's invoices (charges, payments, credits, fees), newest first: the
    account's timeline. One query with the invoice, the poster and the credit note."""
    return (
        LedgerEntry.objects.filter(invoice__patient_id=patient_id)
        .select_related("invoice", "posted_by", "credit_note")
        .order_by("-posted_at", "-id")
    )


def invoices_overdue(*, today: date) -> QuerySet[Invoice]:
    """Issued invoices past their due date on which the patient still owes money, oldest due first."""
    return (
        Invoice.objects.filter(status=Invoice.Status.ISSUED, due_date__lt=today)
        .with_patient_due()
        .filter(patient_due_amount__gt=0)  # type: ignore[misc]
        .select_related("patient")
        .order_by("due_date", "id")
    )


# --- Credit and refunds ------------------------------------------------------------------------------------


def invoices_with_credit(*, patient_id: int | None = None) -> QuerySet[Invoice]:
    """Booked invoices on which the patient has paid more than they owe, with `pending_refunds` (the refunds of it
    waiting for approval), `credit` and `credit_available` annotated, largest credit first: 1 query (with the
    patient)."""
    pending = (
        RefundRequest.objects.filter(invoice=OuterRef("pk"), status=RefundRequest.Status.PENDING)
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
    invoices = Invoice.objects.issued()
    if patient_id is not None:
        invoices = invoices.filter(patient_id=patient_id)
    return (
        invoices.with_patient_due()
        .filter(patient_due_amount__lt=0)  # type: ignore[misc]
        .annotate(
            pending_refunds=Coalesce(Subquery(pending, output_field=money), Value(Decimal("0.00")), output_field=money)
        )
        .annotate(credit=-F("patient_due_amount"))
        .annotate(credit_available=F("credit") - F("pending_refunds"))
        .select_related("patient")
        .order_by("patient_due_amount", "id")
    )


def open_invoices_for_credit(*, patient_id: int, exclude_id: int) -> QuerySet[Invoice]:
    """The patient's issued invoices, but one, on which they owe money now, oldest due first: 1 query."""
    return (
        Invoice.objects.filter(patient_id=patient_id, status=Invoice.Status.ISSUED)
        .exclude(pk=exclude_id)
        .with_patient_due()
        .filter(patient_due_amount__gt=0)  # type: ignore[misc]
        .order_by("due_date", "id")
    )


def refunds_pending() -> QuerySet[RefundRequest]:
    """Refunds waiting for approval, oldest first, with patient, invoice and requester: 1 query."""
    return (
        RefundRequest.objects.filter(status=RefundRequest.Status.PENDING)
        .select_related("patient", "invoice", "requested_by")
        .order_by("requested_at", "id")
    )


def refunds_awaiting_export() -> QuerySet[RefundRequest]:
    """Approved bank refunds not yet in a credit transfer file: 1 query."""
    return (
        RefundRequest.objects.filter(
            status=RefundRequest.Status.APPROVED, method=RefundMethod.BANK_TRANSFER, export_batch__isnull=True
        )
        .select_related("patient", "invoice", "decided_by")
        .order_by("decided_at", "id")
    )


def refunds_recently_decided(*, limit: int = 20) -> QuerySet[RefundRequest]:
    """The latest decided refunds (approved, rejected or sent), newest first: 1 query."""
    return (
        RefundRequest.objects.exclude(status=RefundRequest.Status.PENDING)
        .select_related("patient", "invoice", "requested_by", "decided_by", "export_batch")
        .order_by("-decided_at", "-id")[:limit]
    )


def refund_batches(*, limit: int = 20) -> QuerySet[RefundExportBatch]:
    """The latest credit transfer files, newest first, without their contents: 1 query."""
    return RefundExportBatch.objects.select_related("created_by").defer("xml").order_by("-created_at", "-id")[:limit]


def _entry_sums(invoice_id: int) -> tuple[Entry, ...]:
    """The invoice's ledger summed per kind and, for reversals, per kind reversed: one query."""
    sums = (
        LedgerEntry.objects.filter(invoice_id=invoice_id)
        .order_by()
        .values_list("kind", "reverses__kind")
        .annotate(total=Sum("amount"))
    )
    return tuple(Entry(kind, total, reverses_kind or "") for kind, reverses_kind, total in sums)


def invoice_shares(
    invoice: Invoice,
    *,
    lines: Sequence[InvoiceLine],
    entries: Sequence[LedgerEntry] | None = None,
    audience: Audience = Audience.PATIENT,
    tiers_payant: bool | None = None,
) -> BillShares:
    """The rows of who pays what on an invoice (invoices.shares), for the bill page, the PDF, the staff page and
    the notices alike.

    Queries: the ledger summed per kind unless `entries` (with `reverses` loaded) are given, and whether the
    patient has tiers payant when some line is the insurer's, unless `tiers_payant` says.
    """
    booked = invoice.status in Invoice.BOOKED_STATUSES
    insurer = sum((line.amount for line in lines if line.coverage == Coverage.INSURER), Decimal("0.00"))
    card = sum((line.amount for line in lines if line.coverage == Coverage.EXEMPTION_CARD), Decimal("0.00"))
    if booked:
        ledger = (
            _entry_sums(invoice.pk)
            if entries is None
            else tuple(
                Entry(entry.kind, entry.amount, entry.reverses.kind if entry.reverses is not None else "")
                for entry in entries
            )
        )
        total = invoice.total
    else:
        ledger = ()
        total = sum((line.amount for line in lines), Decimal("0.00"))
    insurer_kind = InsurerKind.INSURER
    if insurer and tiers_payant is None:
        tiers_payant = tiers_payant_held(patient_id=invoice.patient_id, on=invoice.service_date)
    if insurer and tiers_payant:
        insurer_kind = InsurerKind.TIERS_PAYANT
    facts = BillFacts(
        total=total,
        insurer_share=insurer,
        card_share=card,
        insurer_kind=insurer_kind,
        insurance_status=invoice.insurance_status,
        entries=ledger,
        booked=booked,
    )
    return bill_shares(facts, audience=audience)
