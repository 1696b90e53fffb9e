"""Billing at the desk: a new invoice with its lines, a preview of the totals, then issue (or keep as a draft);
and the quick invoices (a records copy, a missed appointment, a certificate) in two clicks. The same invoice
services as the API (invoices.services: drafts, issue)."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from frontdesk.views.patients import _get_patient_for_user, account_header
from invoices import services as invoice_services
from invoices.forms import InvoiceLineFormSet, NewInvoiceForm
from invoices.models import Coverage
from invoices.quick_services import quick_service
from invoices.templatetags.money import money

PREVIEW, ISSUE, DRAFT = "preview", "issue", "draft"


def _line_inputs(formset: InvoiceLineFormSet) -> list[invoice_services.LineInput]:  # type: ignore[valid-type]
    """The rows staff filled in; the service refuses a half-filled row with its own message."""
    return [
        invoice_services.LineInput(
            code=form.cleaned_data.get("code") or "",
            description=form.cleaned_data.get("description") or "",
            quantity=form.cleaned_data.get("quantity") or Decimal("0"),
            unit_price=form.cleaned_data.get("unit_price") or Decimal("0"),
            coverage=form.cleaned_data.get("coverage") or Coverage.PATIENT,
        )
        for form in formset  # type: ignore[attr-defined]
        if not form.is_blank
    ]


@staff_only
def invoice_new(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Lines, then "Preview totals" (nothing saved), then "Issue invoice" or "Save as draft"."""
    require_perm(request, "invoices.add_invoice")
    patient = _get_patient_for_user(request, patient_id)
    preview = None
    if request.method == "POST":
        form = NewInvoiceForm(request.POST)
        formset = InvoiceLineFormSet(request.POST, prefix="lines")
        action = request.POST.get("action", PREVIEW)
        if form.is_valid() and formset.is_valid():
            lines = _line_inputs(formset)
            insurance_status = form.cleaned_data["insurance_status"] or None
            try:
                preview = invoice_services.invoice_preview(lines=lines)
                if action == ISSUE:
                    require_perm(request, "invoices.issue_invoice")
                    invoice = invoice_services.invoice_bill_now(
                        patient_id=patient.pk,
                        service_date=form.cleaned_data["service_date"],
                        lines=lines,
                        insurance_status=insurance_status,
                        by=request.user,
                    )
                    messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
                    return redirect("frontdesk:invoice-detail", invoice_id=invoice.pk)
                if action == DRAFT:
                    invoice = invoice_services.invoice_create_draft(
                        patient_id=patient.pk,
                        service_date=form.cleaned_data["service_date"],
                        lines=lines,
                        insurance_status=insurance_status,
                        by=request.user,
                    )
                    messages.success(request, _("The draft is saved; issue it when it is complete."))
                    return redirect("frontdesk:invoice-detail", invoice_id=invoice.pk)
            except ApplicationError as exc:
                preview = None
                form.add_error(None, exc.message)
    else:
        form = NewInvoiceForm(initial={"service_date": timezone.localdate()})
        formset = InvoiceLineFormSet(prefix="lines", initial=[{"quantity": Decimal("1")}])
    context = {**account_header(request, patient), "form": form, "formset": formset, "preview": preview}
    return render(request, "staff/patients/invoice_new.html", context)


@staff_only
@require_POST
def quick_invoice(request: StaffRequest, patient_id: int, service: str) -> HttpResponse:
    """Bill one quick service today, issued at once, from a button on the account."""
    require_perm(request, "invoices.add_invoice")
    require_perm(request, "invoices.issue_invoice")
    patient = _get_patient_for_user(request, patient_id)
    chosen = quick_service(service)
    if chosen is None:
        raise Http404
    line = invoice_services.LineInput(
        code=chosen.code, description="", quantity=Decimal("1"), unit_price=chosen.unit_price
    )
    try:
        invoice = invoice_services.invoice_bill_now(
            patient_id=patient.pk, service_date=timezone.localdate(), lines=[line], by=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    messages.success(
        request,
        _("Invoice %(number)s issued: %(service)s, %(amount)s.")
        % {"number": invoice.number, "service": chosen.description, "amount": money(invoice.total)},
    )
    return redirect("frontdesk:invoice-detail", invoice_id=invoice.pk)
