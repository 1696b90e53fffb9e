"""The events feed and its webhooks: what changed, in the order it was recorded, and where it was sent.

An `Event` is written in the transaction of the change it records (integration_events.services.event_record),
so a rolled-back change leaves no event and a committed one always has its event. Events are never edited or
deleted: the id is the feed's cursor, and a sync that read up to an id must find the same rows behind it.
A payload holds ids, amounts (decimal strings), dates and statuses only, never names, addresses or free text:
the integration reads the record itself, through the API, audited, when it needs more.
"""

import secrets

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic_billing.audited import AuditedQuerySet
from clinic_billing.lifecycle import Lifecycle, StatusChange


class AppendOnlyError(Exception):
    """Raised when code tries to edit or delete an event: the feed is append-only."""


class EventType(models.TextChoices):
    PATIENT_CREATED = "patient.created", _("Patient registered")
    INVOICE_ISSUED = "invoice.issued", _("Invoice issued")
    PAYMENT_RECEIVED = "payment.received", _("Payment received")
    COMPLAINT_FILED = "complaint.filed", _("Complaint filed")
    COMPLAINT_DECIDED = "complaint.decided", _("Complaint routed by the policy")
    COMPLAINT_CLOSED = "complaint.closed", _("Complaint closed")
    ADJUSTMENT_APPROVED = "adjustment.approved", _("Adjustment approved")
    CREDIT_NOTE_ISSUED = "credit_note.issued", _("Credit note issued")
    REMINDER_SENT = "reminder.sent", _("Reminder sent")
    PLAN_CREATED = "plan.created", _("Payment plan agreed")
    PLAN_MISSED = "plan.missed", _("Instalment missed")
    CASE_DECIDED = "case.decided", _("Collection case decided")


def object_type_of(event_type: str) -> str:
    """The kind of record an event type is about: the part before the dot ("invoice" of "invoice.issued")."""
    return event_type.split(".", 1)[0]


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Events are never edited: record a new event.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Events are never deleted: the feed is append-only.")


class Event(models.Model):
    """One change an integration may want to know of. The id is the feed's cursor (`?after=`)."""

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(_("type"), max_length=30, choices=EventType.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The record the event is about, by kind ("invoice", "payment": a ledger entry) and id. No foreign key: the
    # feed is below every domain app, and an event outlives an anonymised or deleted record.
    object_type = models.CharField(_("object type"), max_length=20)
    object_id = models.BigIntegerField(_("object id"))
    # Whose account it concerns, for the read audit of the feed (and for a patient's data-protection export).
    patient_id = models.BigIntegerField(_("patient id"), null=True, blank=True, db_index=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.type} {self.object_type} {self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Events are never edited: record a new event.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Events are never deleted: the feed is append-only.")


SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix that marks a secret, not one


def new_secret() -> str:
    """A signing secret for one endpoint: 256 bits, URL-safe, recognisable by its prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An address that receives the events of the types it subscribes to, each signed with its own secret."""

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret, editable=False)
    # The event types (EventType values) sent to this endpoint.
    event_types = models.JSONField(_("event types"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    # Who pointed the clinic's events at which address is audited (the secret is left out of the log).
    objects = AuditedQuerySet["WebhookEndpoint"].as_manager()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types

    @property
    def masked_secret(self) -> str:
        return f"{self.secret[: len(SECRET_PREFIX) + 4]}…{self.secret[-4:]}"


class WebhookDelivery(models.Model):
    """One event to send to one endpoint: its attempts, their last outcome, and when the next one is due."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    LIFECYCLE = Lifecycle(
        transitions={
            Status.PENDING: {Status.SUCCEEDED, Status.FAILED},
            # Redelivery from the admin sends it again (the receiver deduplicates by the event id).
            Status.SUCCEEDED: {Status.PENDING},
            Status.FAILED: {Status.PENDING},
        },
        history="WebhookDeliveryStatusChange",
        subject="delivery",
        refusal=_("A %(from)s delivery cannot become %(to)s."),
    )

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # The attempt that holds the delivery: set by a conditional update before the request leaves, so two
    # workers never send the same attempt; a claim older than the stale limit belongs to an attempt that died.
    claim_id = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_event_endpoint")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookDeliveryStatusChange(StatusChange):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="status_changes")
