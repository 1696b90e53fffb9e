"""Stripe Checkout through the official `stripe` SDK: a hosted payment page and a signed webhook.

The SDK's client is built per call from the settings (STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_TIMEOUT), so
the tests point it at their local fake without touching the SDK's global state. Amounts go to Stripe in the
currency's minor unit (øre, cents); NOK, USD and EUR all have two decimals.
"""

from decimal import Decimal
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from stripe.params.checkout import SessionCreateParams

from . import CheckoutRequest, CheckoutStarted, ProviderError, ProviderEvent, WebhookRefused

HOSTED_PAGE_ORIGIN = "https://checkout.stripe.com"
CENTS = Decimal(100)
# The locales of Stripe's hosted page for the clinic's languages ("auto" lets Stripe follow the browser).
STRIPE_LOCALES = {"en": "en", "fr": "fr", "pt": "pt", "nb": "nb", "ru": "ru"}


def minor_units(amount: Decimal) -> int:
    return int((amount * CENTS).to_integral_exact())


def from_minor_units(value: int) -> Decimal:
    return (Decimal(value) / CENTS).quantize(Decimal("0.01"))


class StripeCheckout:
    name = "stripe"

    def _client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
            # A retry carries the same idempotency key, so Stripe never makes a second session for it.
            max_network_retries=2,
        )

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStarted:
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": minor_units(request.amount),
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "client_reference_id": request.reference,
            "metadata": {"checkout": request.reference},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": STRIPE_LOCALES.get(request.locale, "auto"),  # type: ignore[typeddict-item]
        }
        try:
            session = self._client().v1.checkout.sessions.create(
                params, options={"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            # The SDK's message may echo the request; only the error's kind goes further.
            raise ProviderError(type(exc).__name__) from None
        if not session.url:
            raise ProviderError("no hosted page URL")
        return CheckoutStarted(session_id=session.id, url=session.url)

    def webhook_event(self, *, payload: bytes, signature: str) -> ProviderEvent:
        try:
            event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        except stripe.SignatureVerificationError:
            raise WebhookRefused("signature") from None
        except ValueError:
            raise WebhookRefused("body") from None
        data = event.data.object.to_dict()
        if event.type != "checkout.session.completed" or data.get("object") != "checkout.session":
            return ProviderEvent(
                event_id=event.id,
                event_type=event.type,
                session_id="",
                reference="",
                paid=False,
                payment_intent="",
                amount=None,
                currency="",
            )
        amount = data.get("amount_total")
        intent = data.get("payment_intent") or ""
        return ProviderEvent(
            event_id=event.id,
            event_type=event.type,
            session_id=str(data.get("id") or ""),
            reference=str(data.get("client_reference_id") or ""),
            paid=data.get("payment_status") == "paid",
            payment_intent=intent if isinstance(intent, str) else str(intent.get("id", "")),
            amount=from_minor_units(amount) if isinstance(amount, int) else None,
            currency=str(data.get("currency") or "").upper(),
        )

    def form_action_origins(self) -> list[str]:
        origins = [HOSTED_PAGE_ORIGIN]
        api = urlsplit(settings.STRIPE_API_BASE)
        if api.hostname != "api.stripe.com":
            # The local fake serves its hosted page from the API's own address.
            origins.append(f"{api.scheme}://{api.netloc}")
        return origins
