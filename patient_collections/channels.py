"""How a notice reaches the patient: email, SMS (pluggable backend), letter (print batch), portal message.

Only ids go to the logs: a notice's text names the patient and what they were treated for.
"""

import logging
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from patients.models import Channel, Patient

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A channel could not take the message now; the send is retried with back-off."""


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> None: ...


class FileSmsBackend:
    """Default SMS backend: appends each message to a file (settings.SMS_OUTBOX). Replace it with a provider's."""

    def send(self, *, to: str, text: str, reference: str) -> None:
        outbox = Path(settings.SMS_OUTBOX)
        outbox.parent.mkdir(parents=True, exist_ok=True)
        with outbox.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {timezone.now().isoformat()} {reference} to {to}\n{text}\n")


def sms_backend() -> SmsBackend:
    backend: type[SmsBackend] = import_string(settings.SMS_BACKEND)
    return backend()


def can_reach(patient: Patient, channel: str) -> bool:
    """The patient has the contact data for `channel` and has not opted out of it."""
    if patient.opted_out_of(channel):
        return False
    return {
        Channel.EMAIL: bool(patient.email),
        Channel.SMS: bool(patient.phone),
        Channel.PHONE: bool(patient.phone),
        Channel.LETTER: bool(patient.address_line and patient.postal_code and patient.city),
        Channel.PORTAL: patient.user_id is not None,
    }[Channel(channel)]


FALLBACK_ORDER = (Channel.PORTAL, Channel.EMAIL, Channel.LETTER, Channel.SMS)


def choose_channel(patient: Patient, *, letter_only: bool) -> str | None:
    """The preferred channel when it can be used, else the first usable fallback; None when none is left."""
    if letter_only:
        return Channel.LETTER if can_reach(patient, Channel.LETTER) else None
    if can_reach(patient, patient.preferred_channel):
        return patient.preferred_channel
    return next((channel for channel in FALLBACK_ORDER if can_reach(patient, channel)), None)


def deliver_email(*, patient: Patient, subject: str, body: str, reference: str) -> None:
    try:
        send_mail(subject, body, None, [patient.email])
    except OSError as exc:
        logger.warning("email for %s not delivered: %s", reference, type(exc).__name__)
        # Not the server's message, nor chained: it may hold the address, and Celery logs retries and tracebacks.
        raise DeliveryError(f"email for {reference} not delivered: {type(exc).__name__}") from None


def deliver_sms(*, patient: Patient, text: str, reference: str) -> None:
    try:
        sms_backend().send(to=patient.phone, text=text, reference=reference)
    except OSError as exc:
        logger.warning("sms for %s not delivered: %s", reference, type(exc).__name__)
        raise DeliveryError(f"sms for {reference} not delivered: {type(exc).__name__}") from None
