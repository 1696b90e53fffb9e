"""Staff actions on one invoice: its PDF, a credit note's PDF, issuing, insurance settled; a patient's credit
applied or refunded, the refunds page (approval, the bank file) and the statement of account. The pages that show
an invoice with its complaint and collections are the front desk's (frontdesk/views/invoices.py)."""

from collections.abc import Callable

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only
from invoices.pdf import credit_note_pdf_bytes, invoice_pdf_bytes, statement_pdf_bytes
from patients.models import Patient

from . import refund_approval, selectors, services
from .forms import CreditApplyForm, RefundRequestForm
from .models import Invoice, RefundExportBatch, RefundRequest
from .statements import statement_period_asked
from .templatetags.money import local_date, money


def get_invoice_for_user(request: StaffRequest, invoice_id: int) -> Invoice:
    require_perm(request, "invoices.view_invoice")
    invoice = selectors.invoice_detail(invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    return invoice


@staff_only
@require_GET
def pdf(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_user(request, invoice_id)
    accessed.send(sender=Invoice, instance=invoice)
    filename = f"invoice-{invoice.number or f'draft-{invoice.pk}'}.pdf"
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    return response


@staff_only
@require_GET
def credit_note_pdf(request: StaffRequest, credit_note_id: int) -> HttpResponse:
    """A credit note as the patient receives it; reading it is a read of the invoice it credits."""
    require_perm(request, "invoices.view_invoice")
    credit_note = selectors.credit_note_detail(credit_note_id=credit_note_id)
    if credit_note is None:
        raise Http404
    accessed.send(sender=Invoice, instance=credit_note.invoice)
    filename = f"credit-note-{credit_note.number}.pdf"
    response = HttpResponse(credit_note_pdf_bytes(credit_note), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    return response


def _invoice_action(request: StaffRequest, invoice_id: int, perm: str, action: Callable[[], str]) -> HttpResponse:
    """Run one POST-only state change and report its outcome as a message on the invoice page."""
    then = reverse("frontdesk:invoice-detail", kwargs={"invoice_id": invoice_id})
    return run_staff_action(request, perm=perm, action=action, then=then)


@staff_only
@require_POST
def issue(request: StaffRequest, invoice_id: int) -> HttpResponse:
    def run() -> str:
        invoice = services.invoice_issue(invoice_id=invoice_id, by=request.user)
        return _("Invoice %(number)s issued, due %(due_date)s.") % {
            "number": invoice.number,
            "due_date": local_date(invoice.due_date),
        }

    return _invoice_action(request, invoice_id, "invoices.issue_invoice", run)


@staff_only
@require_POST
def insurance_settled(request: StaffRequest, invoice_id: int) -> HttpResponse:
    def run() -> str:
        services.invoice_mark_insurance_settled(invoice_id=invoice_id, by=request.user)
        return _("Insurance marked as settled: what the insurer paid stands, the rest is the patient's.")

    return _invoice_action(request, invoice_id, "invoices.settle_insurance", run)


# --- Credit, refunds and statements ----------------------------------------------------------------------------

REFUNDS_PAGE_SIZE = 25
VIEW_REFUNDS = "invoices.view_refundrequest"


def _invoice_with_credit(invoice_id: int) -> Invoice:
    invoice = selectors.invoices_with_credit().filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return invoice


@staff_only
@require_GET
def refund_list(request: StaffRequest) -> HttpResponse:
    """Credits to apply or refund, refunds waiting for approval, approved bank refunds waiting for the bank file,
    and the files made. A deputy approver without the page's permission sees the refunds theirs to decide."""
    pending = list(selectors.refunds_pending())
    refusals = refund_approval.refund_refusals(request.user, pending)
    full_view = request.user.has_perm(VIEW_REFUNDS)
    if not full_view and not any(refusal is None for refusal in refusals.values()):
        raise PermissionDenied
    context: dict[str, object] = {"full_view": full_view}
    if full_view:
        credits = Paginator(selectors.invoices_with_credit(), REFUNDS_PAGE_SIZE).get_page(request.GET.get("page"))
        awaiting = list(selectors.refunds_awaiting_export())
        decided = list(selectors.refunds_recently_decided())
        context.update(
            credits=credits,
            awaiting=awaiting,
            awaiting_total=sum((refund.amount for refund in awaiting), 0),
            decided=decided,
            batches=list(selectors.refund_batches()),
        )
        shown = [*credits, *(refund.invoice for refund in (*pending, *awaiting, *decided))]
    else:
        pending = [refund for refund in pending if refusals[refund.pk] is None]
        shown = [refund.invoice for refund in pending]
    context["pending"] = [(refund, refusals[refund.pk]) for refund in pending]
    log_bulk_reads(shown)
    return render(request, "staff/invoices/refunds.html", context)


@staff_only
def credit_apply(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Apply the credit on this invoice to another open invoice of the same patient."""
    require_perm(request, "invoices.add_creditapplication")
    source = _invoice_with_credit(invoice_id)
    targets = list(selectors.open_invoices_for_credit(patient_id=source.patient_id, exclude_id=source.pk))
    form = CreditApplyForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.credit_apply(
                source_id=source.pk,
                target_id=form.cleaned_data["target"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request,
                _("%(amount)s of credit applied to invoice %(number)s.")
                % {"amount": money(application.amount), "number": application.target.number},
            )
            return redirect("frontdesk:invoice-detail", invoice_id=application.target_id)
    accessed.send(sender=Invoice, instance=source)
    return render(request, "staff/invoices/credit_apply.html", {"invoice": source, "form": form, "targets": targets})


@staff_only
def refund_request(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Ask for a refund of the credit on this invoice; another colleague approves it."""
    require_perm(request, "invoices.add_refundrequest")
    invoice = _invoice_with_credit(invoice_id)
    form = RefundRequestForm(request.POST or None, initial={"payee_name": invoice.patient.name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payee = services.RefundPayee(
            method=data["method"], name=data["payee_name"], account=data["payee_account"], reference=data["reference"]
        )
        try:
            refund = services.refund_request_create(
                invoice_id=invoice.pk, amount=data["amount"], payee=payee, reason=data["reason"], by=request.user
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request,
                _("Refund of %(amount)s asked for: it waits for another colleague's approval.")
                % {"amount": money(refund.amount)},
            )
            return redirect("invoices:refund-list")
    accessed.send(sender=Invoice, instance=invoice)
    return render(request, "staff/invoices/refund_request.html", {"invoice": invoice, "form": form})


def _refund_decision(request: StaffRequest, refund_id: int, decide: Callable[[], str]) -> HttpResponse:
    """Approve or reject: only approvers by permission, or the deputy a refund is theirs to decide now, reach the
    service (403 else); the service applies four-eyes and says why it refuses, shown on the refunds page."""
    refund = get_object_or_404(RefundRequest, pk=refund_id)
    may_ask = request.user.has_perm(refund_approval.APPROVE_REFUND_PERMISSION)
    if not may_ask and refund_approval.refund_decision_refusal(request.user, refund) is not None:
        raise PermissionDenied
    try:
        messages.success(request, decide())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("invoices:refund-list")


@staff_only
@require_POST
def refund_approve(request: StaffRequest, refund_id: int) -> HttpResponse:
    def run() -> str:
        refund = services.refund_approve(refund_id=refund_id, by=request.user, note=request.POST.get("note", ""))
        return _("Refund of %(amount)s approved and posted.") % {"amount": money(refund.amount)}

    return _refund_decision(request, refund_id, run)


@staff_only
@require_POST
def refund_reject(request: StaffRequest, refund_id: int) -> HttpResponse:
    def run() -> str:
        refund = services.refund_reject(refund_id=refund_id, by=request.user, note=request.POST.get("note", ""))
        return _("Refund of %(amount)s rejected.") % {"amount": money(refund.amount)}

    return _refund_decision(request, refund_id, run)


@staff_only
@require_POST
def refund_export(request: StaffRequest) -> HttpResponse:
    def run() -> str:
        batch = services.refunds_export(by=request.user)
        return _("Credit transfer file %(file)s made with %(count)s refunds, %(total)s in all: download it below.") % {
            "file": batch.filename,
            "count": batch.transaction_count,
            "total": money(batch.control_sum),
        }

    return run_staff_action(
        request, perm="invoices.add_refundexportbatch", action=run, then=reverse("invoices:refund-list")
    )


@staff_only
@require_GET
def refund_batch_file(request: StaffRequest, batch_id: int) -> HttpResponse:
    """A credit transfer file as it was made, to upload to the bank (again); it names the payees."""
    require_perm(request, "invoices.view_refundexportbatch")
    batch = get_object_or_404(RefundExportBatch, pk=batch_id)
    log_bulk_reads(refund.invoice for refund in batch.refunds.select_related("invoice"))
    response = HttpResponse(batch.xml.encode("utf-8"), content_type="application/xml")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=batch.filename) or (
        "attachment"
    )
    return response


@staff_only
@require_GET
def patient_statement(request: StaffRequest, patient_id: int) -> HttpResponse:
    """A patient's statement of account as a PDF in their language; `from` and `to` (YYYY-MM-DD) choose the
    period, the year up to today by default."""
    require_perm(request, "patients.view_patient")
    require_perm(request, "invoices.view_invoice")
    patient = get_object_or_404(Patient, pk=patient_id)
    try:
        start, end = statement_period_asked(request.GET)
        data = statement_pdf_bytes(patient=patient, start=start, end=end)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    accessed.send(sender=Patient, instance=patient)
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"statement-{patient.pk}.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    return response
