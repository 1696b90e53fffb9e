"""A payment started on a provider's hosted page, and the provider events already handled.

The provider's session id is what its webhook names, so it is unique per provider. An event is handled once:
its id is stored in the same transaction that posts the payment, and a second delivery finds it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic_billing.audited import AuditedQuerySet
from clinic_billing.lifecycle import Lifecycle, StatusChange
from invoices.models import Invoice, LedgerEntry
from patient_collections.models import Instalment


class CheckoutSession(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the payment")
        PAID = "paid", pgettext_lazy("online payment status", "Paid")
        # The provider says it was paid, but not the amount or currency asked for: billing looks at it by hand.
        REFUSED = "refused", _("Paid, but not as asked: for billing to check")

    LIFECYCLE = Lifecycle(
        # Only the verified webhook moves a session, once: paid (posted to the ledger) or refused for posting.
        transitions={Status.OPEN: {Status.PAID, Status.REFUSED}, Status.PAID: set(), Status.REFUSED: set()},
        history="CheckoutSessionStatusChange",
        subject="checkout_session",
        refusal=_("An online payment that is %(from)s cannot become %(to)s."),
    )

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    # Set when the patient pays one instalment of a payment plan rather than the whole bill.
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    provider = models.CharField(_("provider"), max_length=20)
    # Empty only between saving the row and the provider's answer (the row exists first, so a webhook can never
    # name a session we do not know: it also carries `reference`).
    provider_session_id = models.CharField(max_length=255, blank=True)
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Who pressed "Pay online": the patient or their proxy; None for a quick-pay link from a paper bill.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment_intent = models.CharField(max_length=255, blank=True)
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Claimed before the receipt e-mail is handed to the relay, so a retried task never sends it twice.
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet["CheckoutSession"].as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_session_id"],
                condition=~models.Q(provider_session_id=""),
                name="checkout_session_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_session_id} for invoice {self.invoice_id}"


class CheckoutSessionStatusChange(StatusChange):
    checkout_session = models.ForeignKey(CheckoutSession, on_delete=models.CASCADE, related_name="status_changes")


class ProcessedEvent(models.Model):
    """A provider event already handled: a second delivery of it changes nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="processed_event_unique")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"
