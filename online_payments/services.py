"""Online payment: start a checkout on the provider's hosted page, and post what its verified webhook reports.

The payment posts only from the verified webhook, never from the patient's return to the site: the return page
only reads. Each event is handled once (its id is stored in the transaction that posts it), and the ledger entry's
idempotency key is the provider's payment id, so neither a second delivery nor a second event about the same
payment posts twice. Network calls never run inside a transaction: the checkout row is saved first, then the
provider is asked, then the row is given the provider's session id.
"""

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, NotFound
from clinic_billing.lifecycle import transition
from invoices import services as invoice_services
from invoices.jurisdiction import current_profile
from invoices.models import Invoice, PaymentMethod
from patient_collections.channels import DeliveryError, DeliveryUncertain, can_reach, deliver_email
from patient_collections.models import Instalment, PaymentPlan
from patient_collections.selectors import plan_next_instalment
from patients.models import Channel

from .models import CheckoutSession, ProcessedEvent
from .providers import CheckoutRequest, ProviderError, ProviderEvent, active_provider, provider_named

logger = logging.getLogger(__name__)

SEND_RECEIPT_TASK = "online_payments.tasks.send_payment_receipt"
SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"
Status = CheckoutSession.Status


def online_payment_enabled() -> bool:
    return active_provider() is not None


def payable_amount(*, invoice: Invoice, instalment: Instalment | None = None) -> Decimal:
    """What "Pay online" asks for: the instalment's amount (never more than is owed), else all that is owed."""
    due = invoice.patient_due
    if instalment is None:
        return due
    return min(instalment.amount, due)


def _next_instalment(invoice: Invoice, instalment_id: int) -> Instalment:
    plan = PaymentPlan.objects.filter(invoice_id=invoice.pk, status=PaymentPlan.Status.ACTIVE).first()
    instalment = plan_next_instalment(plan=plan) if plan is not None else None
    if instalment is None or instalment.pk != instalment_id:
        raise ApplicationError(_("This is not the next payment of the bill's payment plan."), field="instalment")
    return instalment


def checkout_start(
    *,
    invoice_id: int,
    by: User | None,
    success_url: str,
    cancel_url: str,
    language: str,
    instalment_id: int | None = None,
) -> tuple[CheckoutSession, str]:
    """Open a checkout on the provider's hosted page for what the patient owes on the invoice (or for the next
    instalment of its payment plan); returns the row and the hosted page's URL to send the patient to.

    `success_url` may hold {CHECKOUT_SESSION_ID}: the provider puts its session id there. Refused with a clear
    message when online payment is off, the bill is not payable, or the provider cannot be reached."""
    provider = active_provider()
    if provider is None:
        raise NotFound(_("Online payment is not available."))
    with transaction.atomic():
        invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
        if invoice.status != Invoice.Status.ISSUED or invoice.patient_due <= 0:
            raise ApplicationError(_("There is nothing to pay on this bill."), field="invoice")
        instalment = _next_instalment(invoice, instalment_id) if instalment_id is not None else None
        amount = payable_amount(invoice=invoice, instalment=instalment)
        checkout = CheckoutSession.objects.create(
            invoice=invoice,
            instalment=instalment,
            amount=amount,
            currency=current_profile().currency,
            provider=provider.name,
            started_by=by,
        )
    if instalment is not None:
        description = _("Bill %(number)s, payment %(instalment)s of your payment plan") % {
            "number": invoice.number,
            "instalment": instalment.number,
        }
    else:
        description = _("Bill %(number)s") % {"number": invoice.number}
    request = CheckoutRequest(
        amount=checkout.amount,
        currency=checkout.currency,
        description=description,
        reference=str(checkout.reference),
        success_url=success_url,
        cancel_url=cancel_url,
        locale=language,
        idempotency_key=f"checkout-{checkout.reference}",
    )
    try:
        started = provider.checkout_start(request)
    except ProviderError as exc:
        logger.warning("online payment %s could not start: %s", checkout.pk, exc)
        checkout.delete()
        raise ApplicationError(
            _("The payment page could not be opened. Try again in a few minutes, or pay by bank transfer.")
        ) from None
    CheckoutSession.objects.filter(pk=checkout.pk).update(provider_session_id=started.session_id)
    checkout.provider_session_id = started.session_id
    return checkout, started.url


def with_session_placeholder(url: str) -> str:
    """A return address with the provider's session id in its query (the placeholder stays unescaped)."""
    return f"{url}?session_id={SESSION_ID_PLACEHOLDER}"


class WebhookOutcome(StrEnum):
    POSTED = "posted"
    DUPLICATE = "duplicate"  # this event was handled before
    ALREADY_DONE = "already_done"  # another event settled this checkout before
    REFUSED = "refused"  # paid, but not the amount or currency asked for: not posted
    UNKNOWN_SESSION = "unknown_session"
    IGNORED = "ignored"  # an event that says nothing about a paid checkout


@dataclass(frozen=True)
class WebhookResult:
    outcome: WebhookOutcome
    checkout: CheckoutSession | None = None


def webhook_receive(*, provider_name: str, payload: bytes, signature: str) -> WebhookResult:
    """Handle one webhook delivery: verify it with the provider's signature check (WebhookRefused otherwise,
    nothing written), then post a paid checkout once. NotFound when that provider is not turned on."""
    provider = provider_named(provider_name)
    if provider is None:
        raise NotFound(_("Online payment is not available."))
    event = provider.webhook_event(payload=payload, signature=signature)
    if not event.paid:
        return WebhookResult(WebhookOutcome.IGNORED)
    result = _paid_event_handle(provider_name=provider.name, event=event)
    if result.outcome == WebhookOutcome.POSTED and result.checkout is not None:
        checkout_id = result.checkout.pk
        transaction.on_commit(lambda: current_app.signature(SEND_RECEIPT_TASK).delay(checkout_id))
    return result


@transaction.atomic
def _paid_event_handle(*, provider_name: str, event: ProviderEvent) -> WebhookResult:
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(provider=provider_name, event_id=event.event_id, event_type=event.event_type)
    except IntegrityError:
        return WebhookResult(WebhookOutcome.DUPLICATE)
    match = Q(provider_session_id=event.session_id) if event.session_id else Q(pk__in=[])
    if event.reference:
        match |= Q(reference=event.reference) if _is_uuid(event.reference) else Q(pk__in=[])
    checkout = CheckoutSession.objects.select_for_update().filter(match, provider=provider_name).first()
    if checkout is None:
        logger.warning("online payment event %s names no checkout we started", event.event_id)
        return WebhookResult(WebhookOutcome.UNKNOWN_SESSION)
    if checkout.status != Status.OPEN:
        return WebhookResult(WebhookOutcome.ALREADY_DONE, checkout)
    checkout.payment_intent = event.payment_intent
    checkout.completed_at = timezone.now()
    if event.amount != checkout.amount or event.currency != checkout.currency:
        logger.warning(
            "online payment %s not posted: the amount or currency paid differs from the checkout", checkout.pk
        )
        return _refused(checkout, reason="amount or currency differs from the checkout")
    try:
        payment = invoice_services.payment_record(
            invoice_id=checkout.invoice_id,
            amount=checkout.amount,
            payer="patient",
            method=PaymentMethod.ONLINE_CARD,
            reference=event.payment_intent,
            idempotency_key=f"{provider_name}:{event.payment_intent}",
            by=None,
        )
    except Conflict:
        # The same payment id was posted before for another bill or amount: never a second entry.
        logger.warning("online payment %s not posted: its payment id was posted before for another", checkout.pk)
        return _refused(checkout, reason="payment id posted before for another payment")
    checkout.entry = payment.entry
    transition(checkout, Status.PAID, by=None, extra_fields=["payment_intent", "completed_at", "entry"])
    if not payment.created:
        return WebhookResult(WebhookOutcome.ALREADY_DONE, checkout)
    return WebhookResult(WebhookOutcome.POSTED, checkout)


def _refused(checkout: CheckoutSession, *, reason: str) -> WebhookResult:
    transition(
        checkout,
        Status.REFUSED,
        by=None,
        reason=reason,
        extra_fields=["payment_intent", "completed_at"],
    )
    return WebhookResult(WebhookOutcome.REFUSED, checkout)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def payment_receipt_send(*, checkout_id: int) -> bool:
    """E-mail the receipt of a posted online payment, in the patient's language, at most once; False when there
    is nothing to send (no address, opted out of e-mail, or sent before).

    The send is claimed first (a conditional update), so a retried task never sends a second receipt; a relay
    that surely did not take it gives the claim back for the retry."""
    checkout = CheckoutSession.objects.select_related("invoice__patient", "entry").filter(pk=checkout_id).first()
    if checkout is None or checkout.status != Status.PAID:
        return False
    patient = checkout.invoice.patient
    if not can_reach(patient, Channel.EMAIL):
        return False
    claimed = CheckoutSession.objects.filter(pk=checkout.pk, receipt_sent_at__isnull=True).update(
        receipt_sent_at=timezone.now()
    )
    if not claimed:
        return False
    with translation.override(patient.language):
        body = render_to_string(
            "portal/email/payment_receipt.txt",
            {"checkout": checkout, "invoice": checkout.invoice, "patient": patient, "CLINIC": settings.CLINIC},
        )
        subject = _("Receipt for your payment of bill %(number)s") % {"number": checkout.invoice.number}
    try:
        deliver_email(to=patient.email, subject=subject, body=body, reference=f"online-payment-{checkout.pk}")
    except DeliveryUncertain:
        return True  # the relay may have it: sending again could give the patient two receipts
    except DeliveryError:
        CheckoutSession.objects.filter(pk=checkout.pk).update(receipt_sent_at=None)
        raise
    return True
