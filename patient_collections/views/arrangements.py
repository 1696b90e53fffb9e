"""The invoice page's forms that pause collection: a payment plan and a deferral."""

from auditlog.signals import accessed
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.forms import StaffForm
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from disputes.interface import (
    account_summary,
)
from invoices.models import Invoice
from invoices.templatetags.money import local_date

from .. import permissions
from .. import selectors as collection_selectors
from .. import services as collection_services
from ..forms import DeferralForm, PaymentPlanForm


def _invoice_for_form(request: StaffRequest, invoice_id: int) -> Invoice:
    require_perm(request, "invoices.view_invoice")
    return get_object_or_404(Invoice.objects.select_related("patient"), pk=invoice_id)


def _invoice_form_page(
    request: StaffRequest, invoice: Invoice, template: str, form: StaffForm, refusal: str | None
) -> HttpResponse:
    """The plan or deferral page; with `refusal` (the plan that holds the invoice is not this user's to replace)
    it says why instead of showing a form that would be refused."""
    accessed.send(sender=Invoice, instance=invoice)
    context = {**account_summary(invoice.patient), "invoice": invoice, "form": form, "refusal": refusal}
    return render(request, template, context)


@staff_only
def payment_plan_new(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Set up a payment plan. The invoice page posts here; a refusal shows this page with the input kept."""
    require_perm(request, "patient_collections.add_paymentplan")
    invoice = _invoice_for_form(request, invoice_id)
    current = collection_selectors.invoice_active_arrangement(invoice_id=invoice.pk, today=timezone.localdate())
    refusal = permissions.arrangement_replace_refusal(request.user, current)
    form = PaymentPlanForm(request.POST if request.method == "POST" else None, current=None if refusal else current)
    if request.method == "POST" and refusal is None and form.is_valid():
        data = form.cleaned_data
        try:
            plan = collection_services.payment_plan_create(
                invoice_id=invoice.pk,
                instalments=data["instalments"],
                monthly_amount=data["monthly_amount"],
                first_due=data["first_due"],
                replace_arrangement=data.get("replace_arrangement", False),
                by=request.user,
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            count = plan.instalments.count()
            messages.success(
                request,
                ngettext(
                    "Payment plan set up: %(count)s instalment, reminders wait while it is kept.",
                    "Payment plan set up: %(count)s instalments, reminders wait while it is kept.",
                    count,
                )
                % {"count": count},
            )
            return redirect("frontdesk:invoice-detail", invoice_id=invoice.pk)
    return _invoice_form_page(request, invoice, "staff/collections/payment_plan_form.html", form, refusal)


@staff_only
def deferral_new(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Defer collection of an invoice. The invoice page posts here; a refusal shows this page with the input kept."""
    require_perm(request, "patient_collections.add_deferral")
    invoice = _invoice_for_form(request, invoice_id)
    current = collection_selectors.invoice_active_arrangement(invoice_id=invoice.pk, today=timezone.localdate())
    refusal = permissions.arrangement_replace_refusal(request.user, current)
    form = DeferralForm(request.POST if request.method == "POST" else None, current=None if refusal else current)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            deferral = collection_services.deferral_create(
                invoice_id=invoice.pk,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                replace_arrangement=form.cleaned_data.get("replace_arrangement", False),
                by=request.user,
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, _("Collection deferred until %(day)s.") % {"day": local_date(deferral.until)})
            return redirect("frontdesk:invoice-detail", invoice_id=invoice.pk)
    return _invoice_form_page(request, invoice, "staff/collections/deferral_form.html", form, refusal)
