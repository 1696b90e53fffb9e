"""The payment providers behind "Pay online": one small interface, one adapter per provider.

An adapter starts a checkout on the provider's hosted page (the app never sees card data) and turns a webhook
delivery into a plain `ProviderEvent` after verifying its signature. Everything else (which bill, how much,
posting to the ledger, idempotency) is the services' job, the same for every provider.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings


class ProviderError(Exception):
    """The provider could not start the checkout (refused, unreachable or timed out)."""


class WebhookRefused(Exception):
    """A webhook delivery whose signature does not verify, or whose body cannot be read."""


@dataclass(frozen=True)
class CheckoutStarted:
    session_id: str
    url: str


@dataclass(frozen=True)
class CheckoutRequest:
    """What the patient pays: an amount in the clinic's currency, named so the hosted page can show it."""

    amount: Decimal
    currency: str
    description: str
    reference: str  # our own id for the payment, shown in the provider's dashboard
    success_url: str  # may contain {CHECKOUT_SESSION_ID}, replaced by the provider
    cancel_url: str
    locale: str
    idempotency_key: str


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event in plain values. `paid` is set only for a completed, paid checkout."""

    event_id: str
    event_type: str
    session_id: str
    reference: str  # CheckoutRequest.reference, echoed back by the provider
    paid: bool
    payment_intent: str
    amount: Decimal | None
    currency: str


class PaymentProvider(Protocol):
    name: str

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStarted: ...

    def webhook_event(self, *, payload: bytes, signature: str) -> ProviderEvent: ...

    def form_action_origins(self) -> list[str]:
        """Where the browser goes after pressing "Pay online" (the page's CSP `form-action` must allow it)."""
        ...


def provider_named(name: str) -> PaymentProvider | None:
    """The adapter of a provider the deployment turned on; None for any other name."""
    if not name or name != settings.ONLINE_PAYMENT_PROVIDER:
        return None
    if name == "stripe":
        from .stripe_checkout import StripeCheckout

        return StripeCheckout()
    return None


def active_provider() -> PaymentProvider | None:
    """The provider behind "Pay online", or None when online payment is off."""
    return provider_named(settings.ONLINE_PAYMENT_PROVIDER)
