"""On PostgreSQL, with real commits: the change's own commit sends its delivery, and two workers sending the same
delivery at once (the on-commit task and the sweep) send one request."""

import json

import pytest

from integration_events.models import EventType, WebhookDelivery, WebhookEndpoint
from integration_events.services import webhook_delivery_send
from tests.concurrency import POSTGRESQL_ONLY, run_together
from tests.factories import issue
from tests.integration_events.receiver import local_receiver

pytestmark = POSTGRESQL_ONLY


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_sending_one_delivery_at_once_send_it_once(workers, patient, monkeypatch):
    # The on-commit task is held back, so that only the workers below send.
    monkeypatch.setattr("integration_events.services.webhook_deliveries_enqueue", lambda **kwargs: None)
    with local_receiver(200) as receiver:
        WebhookEndpoint.objects.create(url=receiver.url, event_types=[EventType.INVOICE_ISSUED])
        issue(patient)
        delivery = WebhookDelivery.objects.get()

        results = run_together([lambda: webhook_delivery_send(delivery_id=delivery.pk)] * workers)

    assert len(receiver.received) == 1
    assert sum(result is not None for result in results) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.SUCCEEDED, 1)


def test_the_commit_of_the_change_itself_sends_the_delivery(patient):
    """No test hook: the service's own transaction commits, the send task is published and (eagerly) runs."""
    with local_receiver(200) as receiver:
        WebhookEndpoint.objects.create(url=receiver.url, event_types=[EventType.INVOICE_ISSUED])

        invoice = issue(patient)

        [request] = receiver.received
    assert json.loads(request.body)["object_id"] == invoice.pk
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED
