"""The invoice page's forms that pause collection: a payment plan and a deferral."""

from collections.abc import Callable
from typing import Any

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
from disputes.interface import account_summary
from invoices.models import Invoice
from invoices.templatetags.money import local_date

from .. import permissions
from .. import selectors as collection_selectors
from .. import services as collection_services
from ..forms import DeferralForm, PaymentPlanForm


def _invoice_for_form(request: StaffRequest, invoice_id: int) -> Invoice:
    require_perm(request, "invoices.view_invoice")
    return get_object_or_404(Invoice.objects.select_related("patient"), pk=invoice_id)


def _arrangement_form(
    request: StaffRequest, invoice_id: int, form_class: type[PaymentPlanForm] | type[DeferralForm]
) -> tuple[Invoice, str | None, PaymentPlanForm | DeferralForm]:
    """The invoice, why this user may not replace the arrangement that holds it (or None), and the form: bound
    to the POST, offering to replace the current arrangement only to whoever may."""
    invoice = _invoice_for_form(request, invoice_id)
    current = collection_selectors.invoice_active_arrangement(invoice_id=invoice.pk, today=timezone.localdate())
    refusal = permissions.arrangement_replace_refusal(request.user, current)
    form = form_class(request.POST if request.method == "POST" else None, current=None if refusal else current)
    return invoice, refusal, form


def _invoice_form_page(
    request: StaffRequest, invoice: Invoice, template: str, form: StaffForm, refusal: str | None
) -> HttpResponse:
    """The plan or deferral page; with `refusal` (the plan that holds the invoice is not this user's to replace)
    it says why instead of showing a form that would be refused."""
    accessed.send(sender=Invoice, instance=invoice)
    context = {**account_summary(invoice.patient), "invoice": invoice, "form": form, "refusal": refusal}
    return render(request, template, context)


def _arrangement_page(
    request: StaffRequest,
    invoice_id: int,
    form_class: type[PaymentPlanForm] | type[DeferralForm],
    template: str,
    create: Callable[[Invoice, dict[str, Any]], str],
) -> HttpResponse:
    """Show the form; on a valid POST, `create` the arrangement and go back to the invoice with its message. A
    refusal from the service shows the form again with the input kept and the reason on its field."""
    invoice, refusal, form = _arrangement_form(request, invoice_id, form_class)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            message = create(invoice, form.cleaned_data)
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, message)
            return redirect("frontdesk:invoice-detail", invoice_id=invoice.pk)
    return _invoice_form_page(request, invoice, template, form, refusal)


@staff_only
def payment_plan_new(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Set up a payment plan. The invoice page posts here; a refusal shows this page with the input kept."""
    require_perm(request, "patient_collections.add_paymentplan")

    def create(invoice: Invoice, data: dict[str, Any]) -> str:
        plan = collection_services.payment_plan_create(
            invoice_id=invoice.pk,
            instalments=data["instalments"],
            monthly_amount=data["monthly_amount"],
            first_due=data["first_due"],
            replace_arrangement=data.get("replace_arrangement", False),
            by=request.user,
        )
        count = plan.instalments.count()
        return ngettext(
            "Payment plan set up: %(count)s instalment, reminders wait while it is kept.",
            "Payment plan set up: %(count)s instalments, reminders wait while it is kept.",
            count,
        ) % {"count": count}

    return _arrangement_page(request, invoice_id, PaymentPlanForm, "staff/collections/payment_plan_form.html", create)


@staff_only
def deferral_new(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Defer collection of an invoice. The invoice page posts here; a refusal shows this page with the input kept."""
    require_perm(request, "patient_collections.add_deferral")

    def create(invoice: Invoice, data: dict[str, Any]) -> str:
        deferral = collection_services.deferral_create(
            invoice_id=invoice.pk,
            until=data["until"],
            reason=data["reason"],
            replace_arrangement=data.get("replace_arrangement", False),
            by=request.user,
        )
        return _("Collection deferred until %(day)s.") % {"day": local_date(deferral.until)}

    return _arrangement_page(request, invoice_id, DeferralForm, "staff/collections/deferral_form.html", create)
