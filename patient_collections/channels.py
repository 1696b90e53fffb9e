"""How a notice reaches the patient: email, SMS (pluggable backend), letter (print batch), portal message.

Only ids go to the logs: a notice's text names the patient and what they were treated for.

Delivery runs after the reminder's claim has committed, with no row lock held, and every wait is bounded
(EMAIL_TIMEOUT, SMS_TIMEOUT). A failure is one of two kinds: the channel surely did not take the notice
(`DeliveryError`: safe to try again), or it may have (`DeliveryUncertain`: sending again could make a
second notice, unless the channel deduplicates by the reference).
"""

import logging
import smtplib
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.module_loading import import_string

from patients.models import Channel, Patient

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The channel did not take the message; sending it again cannot make a second notice."""


class DeliveryUncertain(DeliveryError):
    """The channel may have taken the message (a timeout or a dropped connection after it was handed over)."""


class SmsBackend(Protocol):
    # True when the provider drops a second message with the same reference (an idempotency key), so a
    # retry after an unknown outcome is safe.
    idempotent: bool

    def send(self, *, to: str, text: str, reference: str) -> None: ...


class FileSmsBackend:
    """Default SMS backend: appends each message to a file (settings.SMS_OUTBOX). Replace it with a provider's.

    A provider's backend takes `reference` as its idempotency key where the provider has one (and says so with
    `idempotent = True`), bounds every call by settings.SMS_TIMEOUT, raises DeliveryError when the provider
    refused the message and DeliveryUncertain when it cannot tell (a timeout after the request was sent).
    """

    idempotent = False

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


def message_id(reference: str) -> str:
    """One Message-ID per notice, the same on every attempt, so a copy that does arrive twice is one message
    to the patient's mail program and to the clinic's mail log."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "clinic.invalid"
    return f"<{reference}@{domain}>"


# The server answered with a refusal: it did not take the message.
_SMTP_REFUSALS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError)


def deliver_email(*, to: str, subject: str, body: str, reference: str) -> None:
    message = EmailMessage(subject, body, None, [to], headers={"Message-ID": message_id(reference)})
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    try:
        # Nothing of the message has left before the connection (and TLS, and login) is up.
        connection.open()
    except OSError as exc:
        logger.warning("email for %s not delivered: %s", reference, type(exc).__name__)
        # Not the server's message, nor chained: it may hold the address, and Celery logs retries and tracebacks.
        raise DeliveryError(f"email for {reference} not delivered: {type(exc).__name__}") from None
    try:
        connection.send_messages([message])
    except _SMTP_REFUSALS as exc:
        logger.warning("email for %s refused: %s", reference, type(exc).__name__)
        raise DeliveryError(f"email for {reference} refused: {type(exc).__name__}") from None
    except OSError as exc:
        # A timeout or a dropped connection once the message is on its way: the server may have kept it.
        logger.warning("email for %s has an unknown outcome: %s", reference, type(exc).__name__)
        raise DeliveryUncertain(f"email for {reference} outcome unknown: {type(exc).__name__}") from None
    finally:
        try:
            connection.close()
        except OSError:
            logger.info("email connection for %s did not close cleanly", reference)


def deliver_sms(*, to: str, text: str, reference: str) -> None:
    try:
        sms_backend().send(to=to, text=text, reference=reference)
    except DeliveryError:
        raise
    except TimeoutError as exc:
        logger.warning("sms for %s has an unknown outcome: %s", reference, type(exc).__name__)
        raise DeliveryUncertain(f"sms for {reference} outcome unknown: {type(exc).__name__}") from None
    except OSError as exc:
        logger.warning("sms for %s not delivered: %s", reference, type(exc).__name__)
        raise DeliveryError(f"sms for {reference} not delivered: {type(exc).__name__}") from None


@dataclass(frozen=True)
class Notice:
    """What a claimed reminder hands to its channel, read inside the claim so delivery needs no database."""

    reminder_id: int
    channel: str
    to: str
    subject: str
    body: str

    @property
    def reference(self) -> str:
        return f"reminder-{self.reminder_id}"


def resend_is_safe(channel: str) -> bool:
    """Whether sending a notice again after an unknown outcome cannot give the patient a second one."""
    return channel == Channel.SMS and bool(getattr(import_string(settings.SMS_BACKEND), "idempotent", False))


def deliver(notice: Notice) -> None:
    """Hand a claimed notice to its network channel (email or SMS). Call it with no transaction open."""
    if notice.channel == Channel.EMAIL:
        deliver_email(to=notice.to, subject=notice.subject, body=notice.body, reference=notice.reference)
    elif notice.channel == Channel.SMS:
        deliver_sms(to=notice.to, text=f"{notice.subject}\n{notice.body}", reference=notice.reference)
    else:
        raise ValueError(f"{notice.channel} is not delivered over the network")
