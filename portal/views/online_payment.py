"""Pay a bill (or the next instalment of its payment plan) online: the provider's hosted page, the return page
that waits for the provider's confirmation, the page for a payment given up, and the receipt.

Only the patient and their authorised proxies reach these pages (portal.access: 404 for anyone else). The
payment itself posts only from the provider's verified webhook (online_payments.services.webhook_receive):
the return page reads, it never posts.
"""

from auditlog.signals import accessed
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.exceptions import ApplicationError
from invoices.models import Invoice
from online_payments import selectors as payment_selectors
from online_payments import services as payment_services
from online_payments.models import CheckoutSession

from ..access import invoice_for_portal
from .acting import page_context, portal_login_required, signed_in_user


def _bill_url(invoice: Invoice) -> str:
    return reverse("portal:portal-bill", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk})


@portal_login_required
@require_POST
def pay_online(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    """Open the provider's hosted page for what is owed, or for the plan's next instalment (`instalment`).
    Refused with a message on the bill page when online payment is off or the bill is not payable."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    instalment = request.POST.get("instalment", "")
    kwargs = {"patient_id": invoice.patient_id, "invoice_id": invoice.pk}
    back = request.build_absolute_uri(reverse("portal:portal-payment-return", kwargs=kwargs))
    try:
        _checkout, url = payment_services.checkout_start(
            invoice_id=invoice.pk,
            instalment_id=int(instalment) if instalment.isdigit() else None,
            by=signed_in_user(request),
            success_url=payment_services.with_session_placeholder(back),
            cancel_url=request.build_absolute_uri(reverse("portal:portal-payment-cancelled", kwargs=kwargs)),
            language=translation.get_language() or invoice.patient.language,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_bill_url(invoice))
    return redirect(url)


@never_cache
@portal_login_required
@require_GET
def payment_return(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    """Back from the hosted page: "being confirmed" until the webhook has posted the payment, then the receipt.
    The page asks again every few seconds (htmx) and has a link to do so by hand."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    checkout = payment_selectors.checkout_for_return(invoice=invoice, session_id=request.GET.get("session_id", ""))
    if checkout is None:  # an address typed or cut short: the bill says what is paid
        return redirect(_bill_url(invoice))
    accessed.send(sender=Invoice, instance=invoice)
    context = page_context(
        invoice.patient,
        request,
        invoice=invoice,
        checkout=checkout,
        status_url=request.get_full_path(),
        bill_url=_bill_url(invoice),
        receipt_url=reverse(
            "portal:portal-payment-receipt",
            kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk, "checkout_id": checkout.pk},
        ),
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/online_payments/_payment_status.html", context)
    return render(request, "portal/online_payments/payment_return.html", context)


@never_cache
@portal_login_required
@require_GET
def payment_cancelled(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    accessed.send(sender=Invoice, instance=invoice)
    context = page_context(invoice.patient, request, invoice=invoice, bill_url=_bill_url(invoice))
    return render(request, "portal/online_payments/payment_cancelled.html", context)


@never_cache
@portal_login_required
@require_GET
def payment_receipt(request: HttpRequest, patient_id: int, invoice_id: int, checkout_id: int) -> HttpResponse:
    """The receipt of one online payment of this bill, once posted; any other is not found."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    checkout = (
        payment_selectors.payments_of_invoice(invoice_id=invoice.pk)
        .filter(pk=checkout_id, status=CheckoutSession.Status.PAID)
        .select_related("entry")
        .first()
    )
    if checkout is None:
        raise Http404
    accessed.send(sender=Invoice, instance=invoice)
    context = page_context(invoice.patient, request, invoice=invoice, checkout=checkout, bill_url=_bill_url(invoice))
    return render(request, "portal/online_payments/receipt.html", context)


urlpatterns = [
    path("<int:patient_id>/bills/<int:invoice_id>/pay-online/", pay_online, name="portal-pay-online"),
    path("<int:patient_id>/bills/<int:invoice_id>/pay-online/paid/", payment_return, name="portal-payment-return"),
    path(
        "<int:patient_id>/bills/<int:invoice_id>/pay-online/cancelled/",
        payment_cancelled,
        name="portal-payment-cancelled",
    ),
    path(
        "<int:patient_id>/bills/<int:invoice_id>/payments/<int:checkout_id>/receipt/",
        payment_receipt,
        name="portal-payment-receipt",
    ),
]
