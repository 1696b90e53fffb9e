"""An invoice from draft to issue: its lines, creating and replacing them, issuing with the next gapless number,
voiding a draft; and anonymising the buyer on the documents issued."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.selectors import CatalogueEntry, catalogue_entries_by_code
from catalogue.snapshot import texts_snapshot
from clinic_billing.exceptions import ApplicationError, Conflict, InvalidTransition, NotFound
from clinic_billing.external_references import DUPLICATE_REFERENCE, external_reference_clean, metadata_clean
from clinic_billing.languages import clinic_language
from integration_events.models import EventType
from integration_events.services import event_record
from patients.models import Patient

from ..jurisdiction import current_profile
from ..models import Coverage, CreditNote, InsuranceStatus, Invoice, InvoiceLine, LedgerEntry, totals_of_lines
from ..money import MAX_QUANTITY, MoneyError, parse_plain_decimal, round_money
from ..parties import buyer_snapshot, seller_snapshot
from ..payment_reference import account_reference, kid_for_invoice
from .ledger import _lock_invoice, _money, _next_number, _post, _within_limit, invoice_transition

Status = Invoice.Status
Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class LineInput:
    code: str
    # May be empty for a code the service catalogue knows: the line then takes the catalogue's name.
    description: str
    quantity: Decimal
    unit_price: Decimal
    coverage: str = Coverage.PATIENT


def _catalogue_of(lines: Sequence[LineInput], on: date) -> dict[str, CatalogueEntry]:
    """The catalogue's entries for the lines' codes, named in the clinic's language. Three queries."""
    return catalogue_entries_by_code([line.code.strip() for line in lines], on=on, language=clinic_language())


def _snapshot(line: InvoiceLine, entry: CatalogueEntry) -> None:
    line.service_id = entry.service_id
    line.coding_system = entry.coding_system
    line.service_kind = entry.kind
    line.help_article_slug = entry.help_article_slug
    line.texts = texts_snapshot(entry)


def _validated_lines(
    lines: Sequence[LineInput], catalogue: dict[str, CatalogueEntry] | None = None
) -> list[InvoiceLine]:
    """The lines as they would be saved; with `catalogue`, each line whose code it knows keeps a snapshot of the
    service (names and explanations in every language), and may leave its description to the catalogue."""
    if not lines:
        raise ApplicationError(_("An invoice needs at least one line."), field="lines")
    catalogue = catalogue or {}
    result = []
    for position, line in enumerate(lines, start=1):
        field = f"lines[{position - 1}]"
        entry = catalogue.get(line.code.strip())
        description = line.description.strip() or (entry.name if entry else "")
        if not line.code.strip() or not description:
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
        built = InvoiceLine(
            position=position,
            code=line.code.strip(),
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            coverage=line.coverage,
            amount=amount,
        )
        if entry is not None:
            _snapshot(built, entry)
        result.append(built)
    _within_limit(sum((line.amount for line in result), Decimal("0.00")), field="lines")
    return result


@dataclass(frozen=True)
class InvoicePreview:
    """What an invoice with these lines would come to, computed as issuing computes it (nothing is saved)."""

    lines: list[InvoiceLine]
    total: Decimal
    insurer_share: Decimal

    @property
    def patient_share(self) -> Decimal:
        return self.total - self.insurer_share


def invoice_preview(
    *, lines: Sequence[LineInput], catalogue: dict[str, CatalogueEntry] | None = None
) -> InvoicePreview:
    """Check the lines as a draft would and add them up: each line's amount, the total, and the shares of the
    insurer (or exemption card) and of the patient. Refuses what `invoice_create_draft` refuses. No query: a
    caller that offered catalogue services passes the entries it read, so their lines are named as issued."""
    built = _validated_lines(lines, catalogue)
    total = sum((line.amount for line in built), Decimal("0.00"))
    insurer = sum((line.amount for line in built if line.coverage != Coverage.PATIENT), Decimal("0.00"))
    return InvoicePreview(lines=built, total=total, insurer_share=insurer)


@transaction.atomic
def invoice_bill_now(
    *,
    patient_id: int,
    service_date: date,
    lines: Sequence[LineInput],
    insurance_status: str | None = None,
    by: User | None,
) -> Invoice:
    """Create the invoice and issue it at once (a walk-in visit, a quick fee at the desk): the draft and the issue
    of the API, in one transaction, so a refused issue leaves no draft behind."""
    draft = invoice_create_draft(
        patient_id=patient_id, service_date=service_date, lines=lines, insurance_status=insurance_status, by=by
    )
    return invoice_issue(invoice_id=draft.pk, by=by)


@transaction.atomic
def invoice_create_draft(
    *,
    patient_id: int,
    service_date: date,
    lines: Sequence[LineInput],
    insurance_status: str | None = None,
    by: User | None,
    external_source: str = "",
    external_reference: str = "",
    metadata: dict[str, Any] | None = None,
) -> Invoice:
    """Create a draft invoice with its lines. Lines can change until the invoice is issued.

    An `external_reference` is the source system's id of the invoice, unique per `external_source`: a second
    invoice with the same one is refused with a Conflict naming the existing invoice's id.
    """
    if not Patient.objects.filter(pk=patient_id).exists():
        raise NotFound(_("No such patient."), field="patient")
    external_source, external_reference = external_reference_clean(source=external_source, reference=external_reference)
    metadata = metadata_clean(metadata)
    if external_reference:
        _refuse_duplicate_reference(external_source, external_reference)
    built = _validated_lines(lines, _catalogue_of(lines, service_date))
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
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                patient_id=patient_id,
                service_date=service_date,
                insurance_status=insurance_status,
                insurance_settled_at=timezone.now() if insurance_status == InsuranceStatus.SETTLED else None,
                created_by=by,
                external_source=external_source,
                external_reference=external_reference,
                metadata=metadata,
            )
    except IntegrityError:
        # Another request created the same reference since the check above.
        _refuse_duplicate_reference(external_source, external_reference)
        raise
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    return invoice


def _refuse_duplicate_reference(source: str, reference: str) -> None:
    existing = Invoice.objects.filter(external_source=source, external_reference=reference).first()
    if existing is not None:
        raise Conflict(
            _("An invoice with this external reference already exists."),
            field="external_reference",
            code=DUPLICATE_REFERENCE,
            extra={"existing_id": existing.pk},
        )


@transaction.atomic
def invoice_replace_lines(*, invoice_id: int, lines: Sequence[LineInput]) -> Invoice:
    """Replace all lines of a draft."""
    invoice = _lock_invoice(invoice_id)
    if not invoice.is_draft:
        raise InvalidTransition(
            _(
                "This invoice is issued: its lines are frozen. Correct it with a credit note (over the API: "
                "POST /api/v1/invoices/%(id)s/credit-notes/)."
            )
            % {"id": invoice_id}
        )
    built = _validated_lines(lines, _catalogue_of(lines, invoice.service_date))
    invoice.lines.all().delete()
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    return invoice


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
    total, third_party = totals_of_lines(lines)
    if total <= 0:
        raise ApplicationError(_("An invoice total must be greater than zero."), field="lines")
    # Lines written before the limit was lowered (or by an import) are checked again before they are booked.
    _within_limit(total, field="lines")
    _texts_refresh(lines, invoice.service_date)
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
    event_record(
        type=EventType.INVOICE_ISSUED,
        obj=invoice,
        patient_id=invoice.patient_id,
        data={"number": invoice.number, "total": invoice.total, "due_date": invoice.due_date},
    )
    return invoice


def _texts_refresh(lines: list[InvoiceLine], on: date) -> None:
    """At issue, each line takes the catalogue's words as they read now (a draft may have waited while a
    translation was added). Codes, quantities and prices stay as the draft has them: those are what was agreed."""
    catalogue = catalogue_entries_by_code([line.code for line in lines], on=on, language=clinic_language())
    for line in lines:
        entry = catalogue.get(line.code)
        if entry is not None and line.texts != texts_snapshot(entry):
            _snapshot(line, entry)
            line.save(update_fields=["service", "coding_system", "service_kind", "help_article_slug", "texts"])


@transaction.atomic
def invoice_void_draft(*, invoice_id: int, by: User | None, reason: str) -> Invoice:
    """Cancel a draft that will never be issued (it has no number, so no gap appears)."""
    invoice = _lock_invoice(invoice_id)
    if invoice.status == Status.ISSUED:
        # The lifecycle's refusal would say only that it cannot; say what to do instead.
        raise InvalidTransition(
            _(
                "An issued invoice is never cancelled: correct it with a credit note (over the API: "
                "POST /api/v1/invoices/%(id)s/credit-notes/)."
            )
            % {"id": invoice_id}
        )
    return invoice_transition(invoice=invoice, to_status=Status.VOID, by=by, reason=reason)


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
