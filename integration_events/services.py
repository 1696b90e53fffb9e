"""Recording events and delivering them to webhook endpoints.

Recording (`event_record`, `events_record`) happens inside the transaction of the change: the event, and one
pending delivery per active endpoint that subscribes to its type, commit with the change or not at all. The
send task is published on commit, so the request that made the change never waits for a receiver.

Sending (`webhook_delivery_send`) claims the delivery with a conditional update and commits, sends with a short
timeout holding no lock, then records the outcome in a new transaction: delivered, due again after an
exponential back-off, or failed after WEBHOOK_MAX_ATTEMPTS. A beat sweep sends whatever is due
(`webhook_deliveries_due`), so a lost task or a receiver that was down is caught up.
"""

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from clinic_billing.lifecycle import transition

from .models import Event, EventType, WebhookDelivery, WebhookEndpoint, object_type_of
from .signatures import SIGNATURE_HEADER, signature_header

SEND_TASK = "integration_events.tasks.send_webhook_delivery"
EVENT_ID_HEADER = "Clinic-Event-Id"
DELIVERY_ID_HEADER = "Clinic-Delivery-Id"
ERROR_LENGTH = 300
# The back-off never waits longer than this between two attempts.
MAX_BACKOFF = timedelta(hours=6)

Status = WebhookDelivery.Status
Scalar = str | int | bool | None


class EventOutsideTransaction(RuntimeError):
    """An event recorded outside a transaction could outlive a change that was rolled back."""


def _scalar(value: object) -> Scalar:
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"An event payload holds ids, amounts, dates and statuses only, not {type(value).__name__}.")


def _plain(value: object) -> Scalar | list[Scalar]:
    """A payload value as JSON keeps it exactly: money as a decimal string, dates in ISO 8601."""
    if isinstance(value, list | tuple):
        return [_scalar(element) for element in value]
    return _scalar(value)


@dataclass(frozen=True)
class NewEvent:
    type: EventType
    obj: Model
    patient_id: int | None
    data: Mapping[str, object]


def events_record(*, events: Sequence[NewEvent]) -> list[Event]:
    """Record several events of one transaction at once (a bank file's payments): one insert of events, one
    read of the endpoints and one insert of deliveries, whatever the count."""
    if not events:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise EventOutsideTransaction("Record an event inside the transaction of the change it records.")
    now = timezone.now()
    rows = Event.objects.bulk_create(
        Event(
            type=new.type,
            created_at=now,
            object_type=object_type_of(new.type),
            object_id=new.obj.pk,
            patient_id=new.patient_id,
            data={key: _plain(value) for key, value in new.data.items()},
        )
        for new in events
    )
    _deliveries_create(rows, now=now)
    return rows


def event_record(*, type: EventType, obj: Model, patient_id: int | None, data: Mapping[str, object]) -> Event:
    """Record that `obj` changed as `type` says, in the caller's transaction (refused outside one).

    `data`: ids, amounts, dates and statuses only, never names, addresses or free text (health data). Each
    active endpoint subscribed to the type gets a delivery, sent once the transaction commits.
    """
    [event] = events_record(events=[NewEvent(type=type, obj=obj, patient_id=patient_id, data=data)])
    return event


def _deliveries_create(events: Sequence[Event], *, now: datetime) -> None:
    # Endpoints are few: their subscriptions are read whole and matched here (a JSON list lookup is not
    # portable to SQLite).
    endpoints = list(WebhookEndpoint.objects.filter(active=True).only("id", "event_types"))
    deliveries = [
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now)
        for event in events
        for endpoint in endpoints
        if endpoint.subscribes_to(event.type)
    ]
    if not deliveries:
        return
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: webhook_deliveries_enqueue(delivery_ids=ids))


def webhook_deliveries_enqueue(*, delivery_ids: Iterable[int]) -> None:
    """Publish one send task per delivery (by name: the tasks call this module)."""
    task = current_app.signature(SEND_TASK)
    for delivery_id in delivery_ids:
        task.delay(delivery_id)


def event_body(event: Event) -> dict[str, Any]:
    """What the feed lists and a webhook posts for one event."""
    return {
        "id": event.pk,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient_id": event.patient_id,
        "data": event.data,
    }


def webhook_backoff(*, attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: the base, doubled each time, at most six hours."""
    base = timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS)
    # The exponent is bounded so that a large WEBHOOK_MAX_ATTEMPTS cannot overflow timedelta before the cap.
    return min(base * 2 ** min(max(attempts - 1, 0), 30), MAX_BACKOFF)


def _stale_after() -> timedelta:
    """A claim this old belongs to an attempt that died between claim and record: the request has long timed out."""
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 4 + 60)


def _due(now: datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) & (
        Q(claim_id__isnull=True) | Q(claimed_at__lt=now - _stale_after())
    )


def webhook_deliveries_due(*, now: datetime, limit: int = 500) -> list[int]:
    """The ids of pending deliveries whose next attempt is due (and unclaimed, or claimed by a dead attempt)."""
    return list(
        WebhookDelivery.objects.filter(_due(now)).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]
    )


@dataclass(frozen=True)
class Claim:
    claim_id: uuid.UUID
    url: str
    headers: dict[str, str]
    body: bytes


def _claim(delivery_id: int, now: datetime) -> Claim | None:
    """Take the delivery for one attempt (its own short transaction), or None when it is not due or another
    attempt holds it. The attempt is counted here, so an attempt that dies still counts."""
    claim_id = uuid.uuid4()
    with transaction.atomic():
        taken = WebhookDelivery.objects.filter(_due(now), pk=delivery_id).update(
            claim_id=claim_id, claimed_at=now, attempts=F("attempts") + 1
        )
        if not taken:
            return None
        delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    body = json.dumps(event_body(delivery.event), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ClinicBilling-Webhooks/1",
        EVENT_ID_HEADER: str(delivery.event_id),
        DELIVERY_ID_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: signature_header(
            payload=body, secret=delivery.endpoint.secret, timestamp=int(now.timestamp())
        ),
    }
    return Claim(claim_id=claim_id, url=delivery.endpoint.url, headers=headers, body=body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A receiver answers; it does not send the signed event on to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(claim: Claim) -> Outcome:
    request = urllib.request.Request(claim.url, data=claim.body, headers=claim.headers, method="POST")  # noqa: S310 - an https or http URL the admin set
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return Outcome(status_code=response.status, error="")
    except urllib.error.HTTPError as exc:
        return Outcome(status_code=exc.code, error=f"HTTP {exc.code} {exc.reason}"[:ERROR_LENGTH])
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(status_code=None, error=f"{type(exc).__name__}: {reason}"[:ERROR_LENGTH])


@transaction.atomic
def _record(*, delivery_id: int, claim_id: uuid.UUID, outcome: Outcome, now: datetime) -> WebhookDelivery:
    """Record the attempt's outcome, if the attempt still holds the claim (else a later one took over)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.claim_id != claim_id:
        return delivery
    delivery.claim_id = None
    delivery.claimed_at = None
    delivery.last_response_code = outcome.status_code
    delivery.last_error = outcome.error
    fields = ["claim_id", "claimed_at", "last_response_code", "last_error"]
    if outcome.delivered:
        delivery.delivered_at = now
        return transition(delivery, Status.SUCCEEDED, by=None, extra_fields=[*fields, "delivered_at"])
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        return transition(delivery, Status.FAILED, by=None, reason=outcome.error, extra_fields=fields)
    delivery.next_attempt_at = now + webhook_backoff(attempts=delivery.attempts)
    delivery.save(update_fields=[*fields, "next_attempt_at"])
    return delivery


def webhook_delivery_send(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Send one due delivery: claim and commit, post the signed event holding no lock, record the outcome.

    Safe to call twice and from several workers: only one attempt holds the claim. Returns the delivery as
    recorded, or None when it was not due (delivered, failed, waiting for its back-off, or being sent).
    """
    now = now or timezone.now()
    claim = _claim(delivery_id, now)
    if claim is None:
        return None
    outcome = _post(claim)
    return _record(delivery_id=delivery_id, claim_id=claim.claim_id, outcome=outcome, now=timezone.now())


@transaction.atomic
def webhook_deliveries_redeliver(*, delivery_ids: Iterable[int], by: User | None) -> list[int]:
    """Send deliveries again (the admin's action): each delivered or failed one becomes pending, due now, with a
    fresh count of attempts, and its send task is published on commit. A pending one is left to its schedule.
    Returns the ids queued again."""
    now = timezone.now()
    queued = []
    for delivery in WebhookDelivery.objects.select_for_update().filter(pk__in=list(delivery_ids)).order_by("pk"):
        if delivery.status == Status.PENDING:
            continue
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.claim_id = None
        delivery.claimed_at = None
        transition(
            delivery,
            Status.PENDING,
            by=by,
            reason="redelivered from the admin",
            extra_fields=["attempts", "next_attempt_at", "claim_id", "claimed_at"],
        )
        queued.append(delivery.pk)
    if queued:
        transaction.on_commit(lambda: webhook_deliveries_enqueue(delivery_ids=queued))
    return queued
