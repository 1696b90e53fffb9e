"""Your bills: the list, one bill in plain words, its PDF, and the quick-pay link that opens one bill without
an account.

Every read is audited (auditlog's `accessed`, which records the signed-in user, a proxy included). Drafts
never show: only issued or credited invoices are bills. Each page runs a fixed number of queries.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from auditlog.signals import accessed
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalogue.models import Service
from invoices.jurisdiction import current_profile
from invoices.line_kinds import bill_title
from invoices.models import Coverage, InsuranceStatus, Invoice, InvoiceLine, LedgerEntry, payment_method_label
from invoices.pdf import credit_note_pdf_bytes, invoice_pdf_bytes
from invoices.selectors import credit_notes_for_invoice, invoice_shares
from online_payments.pages import allow_checkout_redirect
from online_payments.quick_pay import pay_link_token
from online_payments.services import online_payment_enabled
from patient_collections.collection_state import (
    InvoiceCollectionState,
    collection_state,
    state_of,
    with_collection_state,
)
from patients.models import Patient
from patients.selectors import exemption_card_held

from ..access import acting_as_proxy, invoice_for_portal, patient_for_portal
from ..help_links import line_help_slug, published_help_slugs
from ..quick_pay import invoice_for_quick_pay
from .home import LANGUAGE_COOKIE

ZERO = Decimal("0.00")
Kind = LedgerEntry.Kind


class BillState(StrEnum):
    TO_PAY = "to_pay"
    OVERDUE = "overdue"
    # Owed, but collection waits (patient_collections.collection_state): a complaint, insurance, a plan or a
    # deferral. The patient reads the arrangement in force, never "Overdue".
    ON_HOLD = "on_hold"
    WAITING_FOR_INSURER = "waiting_for_insurer"
    CREDIT = "credit"
    PAID = "paid"
    NOTHING_TO_PAY = "nothing_to_pay"
    CANCELLED = "cancelled"


def bill_state(invoice: Invoice, today: date, collection: InvoiceCollectionState) -> BillState:
    """The bill's status in the patient's words, from its collection state."""
    due = invoice.patient_due
    if due > 0:
        if collection.is_held:
            return BillState.ON_HOLD
        overdue = invoice.status == Invoice.Status.ISSUED and invoice.due_date is not None and invoice.due_date < today
        return BillState.OVERDUE if overdue else BillState.TO_PAY
    if due < 0:
        return BillState.CREDIT
    if invoice.status == Invoice.Status.CREDITED:
        return BillState.CANCELLED
    if invoice.insurance_status == InsuranceStatus.PENDING and invoice.third_party_outstanding > 0:
        return BillState.WAITING_FOR_INSURER
    return BillState.PAID if invoice.patient_share > 0 else BillState.NOTHING_TO_PAY


# Bills that want something from the patient come first, then those waiting for the insurer, then the rest.
_STATE_RANK = {BillState.OVERDUE: 0, BillState.TO_PAY: 0, BillState.ON_HOLD: 0, BillState.WAITING_FOR_INSURER: 1}


@dataclass(frozen=True)
class BillSummary:
    invoice: Invoice
    state: BillState
    due: Decimal
    what_for: str
    more_lines: int
    collection: InvoiceCollectionState

    @property
    def credit(self) -> Decimal | None:
        return -self.due if self.due < 0 else None


def bills_for_patient(*, patient_id: int, today: date) -> list[BillSummary]:
    """The patient's bills with their collection state, unpaid first (soonest due first), then newest first:
    1 query."""
    first_line = InvoiceLine.objects.filter(invoice_id=OuterRef("pk")).order_by("position", "id")
    invoices = with_collection_state(
        Invoice.objects.issued()
        .filter(patient_id=patient_id)
        .annotate(
            first_line=Subquery(first_line.values("description")[:1]),
            line_count=Count("lines"),
            # Names the third party a bill waits for: an insurer, or else the exemption card.
            insurer_lines=Exists(InvoiceLine.objects.filter(invoice_id=OuterRef("pk"), coverage=Coverage.INSURER)),
        )
        .order_by("-service_date", "-id"),
        today=today,
    )
    bills = []
    for invoice in invoices:
        collection = state_of(invoice, today=today)
        bills.append(
            BillSummary(
                invoice=invoice,
                state=bill_state(invoice, today, collection),
                due=invoice.patient_due,
                what_for=invoice.first_line or "",  # type: ignore[attr-defined]
                more_lines=max(0, invoice.line_count - 1),  # type: ignore[attr-defined]
                collection=collection,
            )
        )
    # A stable sort keeps newest first within each group; unpaid bills go by due date.
    bills.sort(key=lambda bill: (bill.invoice.due_date or bill.invoice.service_date) if bill.due > 0 else date.max)
    bills.sort(key=lambda bill: _STATE_RANK.get(bill.state, 2))
    return bills


class LineCover(StrEnum):
    INSURER = "insurer"
    EXEMPTION_CARD = "exemption_card"
    YOURS = "yours"
    YOURS_CARD_NEVER_COVERS = "yours_card_never_covers"
    YOURS_DESPITE_CARD = "yours_despite_card"


@dataclass(frozen=True)
class BillLine:
    line: InvoiceLine
    cover: LineCover
    help_slug: str | None = None


@dataclass(frozen=True)
class HistoryRow:
    day: date
    kind: str
    amount: Decimal
    method: str


def _has_exemption_card(invoice: Invoice) -> bool:
    return exemption_card_held(patient_id=invoice.patient_id, on=invoice.service_date)


def _bill_lines(invoice: Invoice, lines: list[InvoiceLine]) -> list[BillLine]:
    """Who pays each line and, for the patient's lines under an exemption card, why the card did not."""
    patient_lines = [line for line in lines if line.coverage == Coverage.PATIENT]
    card = any(line.coverage == Coverage.EXEMPTION_CARD for line in lines) or (
        bool(patient_lines) and _has_exemption_card(invoice)
    )
    never_covered: set[str] = set()
    if card and patient_lines:
        never_covered = set(
            Service.objects.filter(
                code__in={line.code for line in patient_lines}, exemption_card_applies=False
            ).values_list("code", flat=True)
        )

    def cover(line: InvoiceLine) -> LineCover:
        if line.coverage == Coverage.INSURER:
            return LineCover.INSURER
        if line.coverage == Coverage.EXEMPTION_CARD:
            return LineCover.EXEMPTION_CARD
        if not card:
            return LineCover.YOURS
        return LineCover.YOURS_CARD_NEVER_COVERS if line.code in never_covered else LineCover.YOURS_DESPITE_CARD

    return [BillLine(line, cover(line), line_help_slug(line)) for line in lines]


def _history(entries: list[LedgerEntry]) -> list[HistoryRow]:
    """What the patient paid and got back; internal notes and staff names stay out."""
    rows = []
    for entry in entries:
        if entry.kind == Kind.PATIENT_PAYMENT:
            kind = "payment"
        elif entry.kind == Kind.REFUND:
            kind = "refund"
        elif entry.reverses is not None and entry.reverses.kind == Kind.PATIENT_PAYMENT:
            kind = "payment_reversed"
        else:
            continue
        day = timezone.localdate(entry.posted_at)
        rows.append(HistoryRow(day, kind, abs(entry.amount), payment_method_label(entry.method)))
    return rows


def bill_context(invoice: Invoice) -> dict[str, object]:
    """Lines, who pays what, payments and the collection state of one bill: 3 queries, plus 2 when an exemption
    card may matter and 1 when some line is the insurer's (tiers payant or not)."""
    today = timezone.localdate()
    lines = list(invoice.lines.order_by("position", "id"))
    entries = list(invoice.entries.select_related("reverses").order_by("posted_at", "id"))
    collection = collection_state(invoice_id=invoice.pk, today=today)
    assert collection is not None  # the invoice was just read
    shares = invoice_shares(invoice, lines=lines, entries=entries)
    # As the bill list annotates it (bills_for_patient): the status names the insurer only when there is one.
    invoice.insurer_lines = any(line.coverage == Coverage.INSURER for line in lines)  # type: ignore[attr-defined]
    bill_lines = _bill_lines(invoice, lines)
    covers = {bill_line.cover for bill_line in bill_lines}
    help_slugs = published_help_slugs(bill_line.help_slug for bill_line in bill_lines)
    bill_lines = [
        bill_line if bill_line.help_slug in help_slugs else BillLine(bill_line.line, bill_line.cover)
        for bill_line in bill_lines
    ]
    return {
        "invoice": invoice,
        "bill_title": bill_title(lines, invoice.service_date),
        "state": bill_state(invoice, today, collection),
        "collection": collection,
        "bill_lines": bill_lines,
        "card_explanation": bool(covers & {LineCover.YOURS_DESPITE_CARD, LineCover.YOURS_CARD_NEVER_COVERS}),
        "shares": shares,
        "due": shares.owed,
        "credit": -shares.owed if shares.owed < 0 else None,
        "history": _history(entries),
        "can_pay": invoice.status == Invoice.Status.ISSUED and shares.owed > 0,
        "reference_is_kid": current_profile().payment_reference_scheme == "KID",
    }


def _pdf_response(invoice: Invoice) -> HttpResponse:
    filename = f"bill-{invoice.number}.pdf"
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response


def _patient_context(request: HttpRequest, patient: Patient) -> dict[str, object]:
    return {"patient": patient, "as_proxy": acting_as_proxy(request, patient)}


@require_GET
@never_cache
@login_required(login_url="portal:portal-login")
def bill_list(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    accessed.send(sender=Patient, instance=patient)
    bills = bills_for_patient(patient_id=patient.pk, today=timezone.localdate())
    to_pay = [bill for bill in bills if bill.due > 0]
    context = {
        **_patient_context(request, patient),
        "bills": bills,
        "to_pay_count": len(to_pay),
        "to_pay_total": sum((bill.due for bill in to_pay), ZERO),
    }
    return render(request, "portal/bills/list.html", context)


@require_GET
@never_cache
@login_required(login_url="portal:portal-login")
def bill_detail(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    accessed.send(sender=Invoice, instance=invoice)
    context = {
        **_patient_context(request, invoice.patient),
        **bill_context(invoice),
        "credit_notes": list(credit_notes_for_invoice(invoice_id=invoice.pk)),
        "pay_online": online_payment_enabled(),
    }
    return allow_checkout_redirect(render(request, "portal/bills/detail.html", context))


@require_GET
@never_cache
@login_required(login_url="portal:portal-login")
def bill_pdf(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    accessed.send(sender=Invoice, instance=invoice)
    return _pdf_response(invoice)


@require_GET
@never_cache
@login_required(login_url="portal:portal-login")
def credit_note_pdf(request: HttpRequest, patient_id: int, invoice_id: int, credit_note_id: int) -> HttpResponse:
    """A credit note on one of the user's bills, as a PDF; any other credit note is not found (404)."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    credit_note = credit_notes_for_invoice(invoice_id=invoice.pk).filter(pk=credit_note_id).first()
    if credit_note is None:
        raise Http404
    credit_note.invoice = invoice  # already loaded, with the patient, by the access check
    accessed.send(sender=Invoice, instance=invoice)
    response = HttpResponse(credit_note_pdf_bytes(credit_note), content_type="application/pdf")
    filename = f"credit-note-{credit_note.number}.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response


def _quick_pay_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/bills/quick_pay_invalid.html", status=404)


def _speak_the_patients_language(request: HttpRequest, invoice: Invoice) -> None:
    """Without a language chosen on this device, the page speaks the language the bill was printed in."""
    if LANGUAGE_COOKIE not in request.COOKIES and not request.user.is_authenticated:
        translation.activate(invoice.patient.language)
        request.LANGUAGE_CODE = invoice.patient.language


@require_GET
@never_cache
def quick_pay(request: HttpRequest, token: str) -> HttpResponse:
    """One bill, read-only, for whoever holds its printed link: nothing else of the patient's account."""
    invoice = invoice_for_quick_pay(token)
    if invoice is None:
        return _quick_pay_invalid(request)
    accessed.send(sender=Invoice, instance=invoice)
    _speak_the_patients_language(request, invoice)
    context = {**bill_context(invoice), "token": token}
    if context["can_pay"] and online_payment_enabled():
        context["pay_online_url"] = reverse("payments:pay-link", kwargs={"token": pay_link_token(invoice)})
    return render(request, "portal/bills/quick_pay.html", context)


@require_GET
@never_cache
def quick_pay_pdf(request: HttpRequest, token: str) -> HttpResponse:
    invoice = invoice_for_quick_pay(token)
    if invoice is None:
        return _quick_pay_invalid(request)
    accessed.send(sender=Invoice, instance=invoice)
    return _pdf_response(invoice)


urlpatterns = [
    path("<int:patient_id>/bills/", bill_list, name="portal-bills"),
    path("<int:patient_id>/bills/<int:invoice_id>/", bill_detail, name="portal-bill"),
    path("<int:patient_id>/bills/<int:invoice_id>/pdf/", bill_pdf, name="portal-bill-pdf"),
    path(
        "<int:patient_id>/bills/<int:invoice_id>/credit-notes/<int:credit_note_id>/pdf/",
        credit_note_pdf,
        name="portal-credit-note-pdf",
    ),
    path("pay/<str:token>/", quick_pay, name="portal-quick-pay"),
    path("pay/<str:token>/pdf/", quick_pay_pdf, name="portal-quick-pay-pdf"),
]
