"""Online payment turned on against the local fake of Stripe (tests/fake_stripe.py), and a signed webhook."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

# The services publish the receipt task by name (a worker discovers it); eager tests need it registered.
import online_payments.tasks  # noqa: F401
from tests.fake_stripe import FakeStripe, fake_stripe, signature_header


@pytest.fixture
def stripe_fake(settings) -> Iterator[FakeStripe]:
    with fake_stripe() as fake:
        settings.ONLINE_PAYMENT_PROVIDER = "stripe"
        settings.STRIPE_SECRET_KEY = fake.secret_key
        settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        settings.STRIPE_API_BASE = fake.api_base
        yield fake


@pytest.fixture
def post_webhook(stripe_fake, django_capture_on_commit_callbacks):
    """POST an event to the app's Stripe webhook through the test client, signed with the fake's secret (or
    `secret`), running what the view leaves for after its commit (the receipt); returns the response."""

    def post(event: dict[str, Any], *, secret: str | None = None) -> Any:
        payload = json.dumps(event)
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                reverse("payments:webhook", kwargs={"provider": "stripe"}),
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature_header(payload, secret or stripe_fake.webhook_secret),
            )

    return post
