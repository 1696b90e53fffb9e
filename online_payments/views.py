"""The provider's webhook, and the pay-online link printed on a paper bill (no account needed).

The webhook is the only way a payment posts: it has no session and no CSRF token (the provider cannot have
either), so the provider's signature is its authentication. The pay-online page shows the bill's number and
the amount due, nothing else of the patient; every read of it is audited.
"""

import logging

from auditlog.signals import accessed
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic_billing.exceptions import ApplicationError, NotFound
from invoices.models import Invoice

from . import selectors, services
from .pages import allow_checkout_redirect
from .providers import WebhookRefused, active_provider
from .quick_pay import invoice_for_pay_link

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """Answer 2xx once an event is handled (or was before), 400 for a delivery that does not verify."""
    try:
        result = services.webhook_receive(
            provider_name=provider,
            payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""),
        )
    except NotFound:
        raise Http404 from None
    except WebhookRefused as exc:
        logger.warning("online payment webhook refused: bad %s", exc)
        return HttpResponseBadRequest("webhook not verified", content_type="text/plain")
    return HttpResponse(result.outcome.value, content_type="text/plain")


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/online_payments/pay_link_invalid.html", status=404)


def _page_language(request: HttpRequest, invoice: Invoice) -> str:
    """Without a language chosen on this device (Django's language cookie, which the portal's language switch
    sets), the page speaks the language the bill was printed in."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return translation.get_language()
    translation.activate(invoice.patient.language)
    request.LANGUAGE_CODE = invoice.patient.language
    return invoice.patient.language


def _pay_link_context(invoice: Invoice, token: str) -> dict[str, object]:
    return {
        "invoice": invoice,
        "due": invoice.patient_due,
        "token": token,
        "can_pay": active_provider() is not None
        and invoice.status == Invoice.Status.ISSUED
        and invoice.patient_due > 0,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def pay_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the bill's number, the amount due and a pay button. POST: open the provider's hosted page."""
    invoice = invoice_for_pay_link(token)
    if invoice is None:
        return _link_invalid(request)
    accessed.send(sender=Invoice, instance=invoice)
    language = _page_language(request, invoice)
    context = _pay_link_context(invoice, token)
    if request.method == "POST" and context["can_pay"]:
        back = request.build_absolute_uri(reverse("payments:pay-link-paid", kwargs={"token": token}))
        try:
            _checkout, url = services.checkout_start(
                invoice_id=invoice.pk,
                by=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
                success_url=services.with_session_placeholder(back),
                cancel_url=request.build_absolute_uri(reverse("payments:pay-link", kwargs={"token": token})),
                language=language,
            )
        except ApplicationError as exc:
            context["error"] = exc.message
            return allow_checkout_redirect(render(request, "portal/online_payments/pay_link.html", context, status=409))
        return redirect(url)
    return allow_checkout_redirect(render(request, "portal/online_payments/pay_link.html", context))


@never_cache
@require_GET
def pay_link_paid(request: HttpRequest, token: str) -> HttpResponse:
    """Back from the hosted page: "being confirmed" until the webhook has posted, then the receipt."""
    invoice = invoice_for_pay_link(token)
    if invoice is None:
        return _link_invalid(request)
    accessed.send(sender=Invoice, instance=invoice)
    _page_language(request, invoice)
    checkout = selectors.checkout_for_return(invoice=invoice, session_id=request.GET.get("session_id", ""))
    if checkout is None:  # an address typed or cut short: the payment page says what is due
        return redirect("payments:pay-link", token=token)
    context = {
        "invoice": invoice,
        "checkout": checkout,
        "status_url": request.get_full_path(),
        "bill_url": reverse("payments:pay-link", kwargs={"token": token}),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/online_payments/_payment_status.html", context)
    return render(request, "portal/online_payments/pay_link_paid.html", context)


urlpatterns = [
    path("<str:provider>/webhook/", webhook, name="webhook"),
    path("pay/<str:token>/", pay_link, name="pay-link"),
    path("pay/<str:token>/paid/", pay_link_paid, name="pay-link-paid"),
]
