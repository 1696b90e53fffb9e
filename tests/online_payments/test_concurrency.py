"""Webhook deliveries that arrive at the same moment (Stripe retries while the first is still running, or sends
two events about one payment): one ledger entry, whatever the order. PostgreSQL only (row locks)."""

import json
from datetime import date

import pytest

from invoices.models import LedgerEntry
from online_payments import services
from online_payments.models import CheckoutSession, ProcessedEvent
from tests.concurrency import POSTGRESQL_ONLY, run_together
from tests.factories import PatientFactory, issue
from tests.fake_stripe import signature_header

pytestmark = POSTGRESQL_ONLY


def deliver(stripe_fake, event):
    payload = json.dumps(event)
    return lambda: (
        services.webhook_receive(
            provider_name="stripe",
            payload=payload.encode(),
            signature=signature_header(payload, stripe_fake.webhook_secret),
        ).outcome
    )


@pytest.mark.parametrize("same_event", [True, False], ids=["one event twice", "two events, one payment"])
def test_simultaneous_deliveries_post_the_payment_once(stripe_fake, same_event):
    invoice = issue(PatientFactory(email=""), date(2026, 11, 2))
    checkout, _url = services.checkout_start(
        invoice_id=invoice.pk, by=None, success_url="http://testserver/", cancel_url="http://testserver/", language="en"
    )
    session = stripe_fake.complete(checkout.provider_session_id)
    first = stripe_fake.event_for(session)
    second = first if same_event else stripe_fake.event_for(session)

    outcomes = run_together([deliver(stripe_fake, first), deliver(stripe_fake, second)])

    later = services.WebhookOutcome.DUPLICATE if same_event else services.WebhookOutcome.ALREADY_DONE
    assert sorted(outcomes) == sorted([services.WebhookOutcome.POSTED, later])
    assert LedgerEntry.objects.filter(invoice=invoice, kind=LedgerEntry.Kind.PATIENT_PAYMENT).count() == 1
    assert CheckoutSession.objects.get().status == CheckoutSession.Status.PAID
    assert ProcessedEvent.objects.count() == (1 if same_event else 2)
