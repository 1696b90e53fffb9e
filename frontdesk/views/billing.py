"""Billing at the desk: a new invoice with its lines, a preview of the totals, then issue (or keep as a draft);
and the quick invoices (a records copy, a missed appointment, a certificate) in two clicks. The same invoice
services as the API (invoices.services: drafts, issue)."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue.selectors import CatalogueEntry, catalogue_entries
from clinic_billing.exceptions import ApplicationError
from clinic_billing.languages import clinic_language
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from frontdesk.views.patients import _get_patient_for_user, account_header
from invoices import services as invoice_services
from invoices.forms import InvoiceLineFormSet, NewInvoiceForm
from invoices.models import Coverage
from invoices.quick_services import quick_service
from invoices.templatetags.money import money

PREVIEW, ISSUE, DRAFT = "preview", "issue", "draft"


def _service_date(request: StaffRequest) -> date:
    """The service date the form was sent with, for pricing its catalogue services; today when it has none yet."""
    form = NewInvoiceForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        return form.cleaned_data["service_date"]
    return timezone.localdate()


def _catalogue(on: date) -> dict[str, CatalogueEntry]:
    """The services the desk may bill on `on`, in the reader's language, by code (three queries)."""
    entries = catalogue_entries(on=on, language=get_language() or clinic_language(), available_only=True)
    return {entry.code: entry for entry in entries if entry.price is not None}


def _service_choices(catalogue: dict[str, CatalogueEntry]) -> list[tuple[str, str]]:
    return [(code, f"{code} · {entry.name} · {money(entry.price)}") for code, entry in catalogue.items()]


def _line_inputs(
    formset: InvoiceLineFormSet,  # type: ignore[valid-type]
    catalogue: dict[str, CatalogueEntry],
) -> list[invoice_services.LineInput]:
    """The rows staff filled in. A catalogue service gives the code, the name (at issue, in every language), the
    price on the service date and who pays, unless staff typed another price or payer; the service refuses a
    half-filled row with its own message."""
    lines = []
    for form in formset:  # type: ignore[attr-defined]
        if form.is_blank:
            continue
        data = form.cleaned_data
        entry = catalogue.get(data.get("service") or "")
        typed_price = data.get("unit_price")
        lines.append(
            invoice_services.LineInput(
                code=entry.code if entry else data.get("code") or "",
                description=data.get("description") or "",
                quantity=data.get("quantity") or Decimal("0"),
                unit_price=typed_price if typed_price is not None else (entry.price if entry else None) or Decimal("0"),
                coverage=data.get("coverage") or (entry.default_coverage if entry else Coverage.PATIENT),
            )
        )
    return lines


@staff_only
def invoice_new(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Lines from the service catalogue (or typed), then "Preview totals" (nothing saved), then "Issue invoice" or
    "Save as draft"."""
    require_perm(request, "invoices.add_invoice")
    patient = _get_patient_for_user(request, patient_id)
    catalogue = _catalogue(_service_date(request))
    line_kwargs = {"services": _service_choices(catalogue)}
    preview = None
    if request.method == "POST":
        form = NewInvoiceForm(request.POST)
        formset = InvoiceLineFormSet(request.POST, prefix="lines", form_kwargs=line_kwargs)
        action = request.POST.get("action", PREVIEW)
        if form.is_valid() and formset.is_valid():
            lines = _line_inputs(formset, catalogue)
            insurance_status = form.cleaned_data["insurance_status"] or None
            try:
                preview = invoice_services.invoice_preview(lines=lines, catalogue=catalogue)
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
        formset = InvoiceLineFormSet(prefix="lines", initial=[{"quantity": Decimal("1")}], form_kwargs=line_kwargs)
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
