"""Signed webhooks: a delivery per subscribed endpoint in the change's transaction, sent after commit to a real
local receiver, retried with back-off, failed after the last attempt, and sent again from the admin."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integration_events.models import Event, EventType, WebhookDelivery, WebhookDeliveryStatusChange, WebhookEndpoint
from integration_events.services import webhook_backoff, webhook_deliveries_due, webhook_delivery_send
from integration_events.signatures import signature_verify
from integration_events.tasks import sweep_webhook_deliveries
from tests.factories import UserFactory, at, issue
from tests.integration_events.receiver import local_receiver

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 2)
Status = WebhookDelivery.Status


def endpoint(url: str, *types: str, active: bool = True) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url=url, event_types=list(types or EventType.values), active=active)


def test_each_active_subscribed_endpoint_gets_one_delivery_in_the_changes_transaction(patient):
    issued = endpoint("https://ehr.example/hooks", EventType.INVOICE_ISSUED)
    endpoint("https://other.example/hooks", EventType.PAYMENT_RECEIVED)
    endpoint("https://off.example/hooks", active=False)

    with pytest.raises(RuntimeError), transaction.atomic():
        issue(patient)
        raise RuntimeError("rolled back")
    assert not WebhookDelivery.objects.exists()

    issue(patient)

    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.endpoint, delivery.event.type, delivery.status) == (
        issued,
        EventType.INVOICE_ISSUED,
        Status.PENDING,
    )


def test_a_delivery_is_sent_after_commit_signed_to_a_real_receiver(patient, django_capture_on_commit_callbacks):
    with local_receiver(200) as receiver, time_machine.travel(at(MONDAY), tick=False):
        hook = endpoint(receiver.url, EventType.INVOICE_ISSUED)
        with django_capture_on_commit_callbacks(execute=True):
            invoice = issue(patient, MONDAY)
            assert receiver.received == []  # nothing leaves before the change commits

        [request] = receiver.received
        header = request.headers["Clinic-Signature"]
        now = int(timezone.now().timestamp())
        assert signature_verify(payload=request.body, header=header, secret=hook.secret, now=now)
        assert not signature_verify(payload=request.body, header=header, secret="whsec_wrong", now=now)
    body = json.loads(request.body)
    event = Event.objects.get()
    assert (body["id"], body["type"], body["object_id"]) == (event.pk, "invoice.issued", invoice.pk)
    assert request.headers["Clinic-Event-Id"] == str(event.pk)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (Status.SUCCEEDED, 1, 200)
    assert delivery.delivered_at == at(MONDAY)


def test_the_back_off_doubles_from_the_base_and_stops_at_six_hours(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60

    assert [webhook_backoff(attempts=n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert webhook_backoff(attempts=20) == webhook_backoff(attempts=1000) == timedelta(hours=6)


def test_a_failing_receiver_is_retried_after_its_back_off_and_when_it_recovers_gets_the_event_once(
    patient, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    start = at(MONDAY)
    with local_receiver(500, 503, 200) as receiver:
        endpoint(receiver.url, EventType.INVOICE_ISSUED)
        with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
            issue(patient, MONDAY)  # attempt 1: 500
        delivery = WebhookDelivery.objects.get()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_response_code) == (Status.PENDING, 1, 500)
        assert delivery.next_attempt_at == start + timedelta(minutes=1)

        with time_machine.travel(start + timedelta(seconds=59), tick=False):
            assert sweep_webhook_deliveries() == 0  # not due yet
        with time_machine.travel(start + timedelta(seconds=61), tick=False):
            assert sweep_webhook_deliveries() == 1  # attempt 2: 503
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_response_code) == (2, 503)
        assert delivery.next_attempt_at == start + timedelta(seconds=61) + timedelta(minutes=2)

        with time_machine.travel(start + timedelta(minutes=4), tick=False):
            assert sweep_webhook_deliveries() == 1  # attempt 3: 200
        with time_machine.travel(start + timedelta(hours=7), tick=False):
            assert sweep_webhook_deliveries() == 0
            assert webhook_delivery_send(delivery_id=delivery.pk) is None  # a late task sends nothing

    delivered = [r for r in receiver.received if r.headers["Clinic-Event-Id"] == str(delivery.event_id)]
    assert len(delivered) == 3
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (Status.SUCCEEDED, 3, 200)
    assert delivery.delivered_at == start + timedelta(minutes=4)


def test_a_delivery_fails_for_good_after_the_last_attempt(patient, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    start = at(MONDAY)
    with local_receiver(500) as receiver:
        endpoint(receiver.url)
        with time_machine.travel(start, tick=False):
            issue(patient, MONDAY)
            delivery = WebhookDelivery.objects.get()
            webhook_delivery_send(delivery_id=delivery.pk)
        with time_machine.travel(start + timedelta(hours=1), tick=False):
            webhook_delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 2)
    assert WebhookDeliveryStatusChange.objects.get(delivery=delivery).to_status == Status.FAILED
    assert webhook_deliveries_due(now=start + timedelta(days=1)) == []


def test_an_unreachable_receiver_is_recorded_as_an_error_to_retry(patient):
    with local_receiver(200) as receiver:
        url = receiver.url  # the port closes when the receiver stops
    endpoint(url)
    issue(patient)
    delivery = WebhookDelivery.objects.get()

    webhook_delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_response_code) == (Status.PENDING, None)
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error


def test_a_claimed_delivery_is_not_sent_again_by_another_worker(patient):
    endpoint("http://127.0.0.1:9/never")
    issue(patient)
    delivery = WebhookDelivery.objects.get()
    # Another worker claimed it a moment ago and is still sending.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        claim_id="00000000-0000-0000-0000-000000000001", claimed_at=timezone.now()
    )

    assert webhook_delivery_send(delivery_id=delivery.pk) is None
    assert webhook_deliveries_due(now=timezone.now()) == []
    assert webhook_deliveries_due(now=timezone.now() + timedelta(minutes=10)) == [delivery.pk]


def test_the_admin_sends_a_failed_delivery_again(patient, client_for, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    admin_user = UserFactory(username="root_admin", is_superuser=True, is_staff=True)
    with local_receiver(500, 200) as receiver:
        endpoint(receiver.url)
        issue(patient)
        delivery = WebhookDelivery.objects.get()
        webhook_delivery_send(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == Status.FAILED

        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(admin_user).post(
                reverse("admin:integration_events_webhookdelivery_changelist"),
                {"action": "redeliver", "_selected_action": [delivery.pk]},
            )

    assert response.status_code == 302
    log = client_for(admin_user).get(reverse("admin:integration_events_webhookdelivery_changelist")).content.decode()
    assert receiver.url in log
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (Status.SUCCEEDED, 1, 200)
    assert len(receiver.received) == 2
    assert list(
        WebhookDeliveryStatusChange.objects.filter(delivery=delivery).values_list("to_status", "changed_by")
    ) == [
        (Status.FAILED, None),
        (Status.PENDING, admin_user.pk),
        (Status.SUCCEEDED, None),
    ]


def test_the_admin_shows_an_endpoints_secret_once_then_masked(client_for):
    admin_user = UserFactory(username="root_admin", is_superuser=True, is_staff=True)
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:integration_events_webhookendpoint_add"),
        {"url": "https://ehr.example/hooks", "description": "EHR", "event_types": ["invoice.issued"], "active": "on"},
        follow=True,
    )

    hook = WebhookEndpoint.objects.get()
    assert hook.secret.startswith("whsec_") and hook.event_types == ["invoice.issued"]
    assert hook.secret in response.content.decode()
    page = client.get(reverse("admin:integration_events_webhookendpoint_change", args=[hook.pk])).content.decode()
    assert hook.secret not in page
    assert hook.masked_secret in page


def test_run_billing_jobs_sends_the_deliveries_that_are_due(patient):
    with local_receiver(200) as receiver, time_machine.travel(at(MONDAY), tick=False):
        endpoint(receiver.url, EventType.INVOICE_ISSUED)
        issue(patient, MONDAY)
        out = StringIO()

        call_command("run_billing_jobs", "--as-of", MONDAY.isoformat(), stdout=out)

    assert len(receiver.received) == 1
    assert "send-webhook-deliveries: ok; 1 webhook delivery(ies) sent" in out.getvalue()
