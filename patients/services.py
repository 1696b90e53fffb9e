"""Writes of patient data. Every change is recorded by django-auditlog (who, when, what)."""

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from clinic_billing.external_references import DUPLICATE_REFERENCE, external_reference_clean, metadata_clean
from integration_events.models import EventType
from integration_events.services import event_record

from . import selectors
from .models import AuthorisedProxy, CallerCheck, Channel, ContactChange, Coverage, Language, Patient, PatientNote
from .validators import name_refusal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContactDetails:
    email: str = ""
    phone: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    language: str = Language.NORWEGIAN
    preferred_channel: str = Channel.LETTER
    opt_out_email: bool = False
    opt_out_sms: bool = False
    opt_out_phone: bool = False


def _validate_contact(details: ContactDetails) -> None:
    if details.language not in Language.values:
        raise ApplicationError(_("Choose one of the supported languages."), field="language")
    if details.preferred_channel not in Channel.values:
        raise ApplicationError(_("Choose email, sms, letter, portal or phone."), field="preferred_channel")
    channel = details.preferred_channel
    if channel == Channel.EMAIL and not details.email:
        raise ApplicationError(_("Email is the preferred channel, so an email address is needed."), field="email")
    if channel in (Channel.SMS, Channel.PHONE) and not details.phone:
        raise ApplicationError(_("A phone number is needed for text messages or calls."), field="phone")
    if channel == Channel.LETTER and not (details.address_line and details.postal_code and details.city):
        raise ApplicationError(_("Letters need a street address, postal code and city."), field="address_line")
    opted_out = {
        Channel.EMAIL: details.opt_out_email,
        Channel.SMS: details.opt_out_sms,
        Channel.PHONE: details.opt_out_phone,
    }
    if opted_out.get(Channel(channel)):
        raise ApplicationError(
            _("The preferred channel cannot be one the patient opted out of."), field="preferred_channel"
        )


@transaction.atomic
def patient_create(
    *,
    name: str,
    date_of_birth: date,
    contact: ContactDetails,
    by: User | None = None,
    external_source: str = "",
    external_reference: str = "",
    metadata: dict[str, Any] | None = None,
) -> Patient:
    """Register a patient with their contact preferences.

    An `external_reference` is the source system's id of the patient, unique per `external_source`: a second
    patient with the same one is refused with a Conflict naming the existing patient's id.
    """
    if not name.strip():
        raise ApplicationError(_("Enter the patient's name."), field="name")
    if (refusal := name_refusal(name)) is not None:
        raise ApplicationError(refusal, field="name")
    if date_of_birth > date.today():
        raise ApplicationError(_("The date of birth cannot be in the future."), field="date_of_birth")
    _validate_contact(contact)
    external_source, external_reference = external_reference_clean(source=external_source, reference=external_reference)
    values = {f.name: getattr(contact, f.name) for f in fields(contact)}
    if external_reference:
        _refuse_duplicate_reference(external_source, external_reference)
    try:
        with transaction.atomic():
            patient = Patient.objects.create(
                name=name.strip(),
                date_of_birth=date_of_birth,
                external_source=external_source,
                external_reference=external_reference,
                metadata=metadata_clean(metadata),
                **values,
            )
            event_record(type=EventType.PATIENT_CREATED, obj=patient, patient_id=patient.pk, data={})
            return patient
    except IntegrityError:
        # Another request registered the same reference since the check above.
        _refuse_duplicate_reference(external_source, external_reference)
        raise


def _refuse_duplicate_reference(source: str, reference: str) -> None:
    existing = selectors.patient_by_external_reference(source=source, reference=reference)
    if existing is not None:
        raise Conflict(
            _("A patient with this external reference is already registered."),
            field="external_reference",
            code=DUPLICATE_REFERENCE,
            extra={"existing_id": existing.pk},
        )


@dataclass(frozen=True)
class CoverageDetails:
    kind: str
    payer_name: str
    valid_from: date
    member_number: str = ""
    valid_to: date | None = None


@transaction.atomic
def patient_register(
    *, name: str, date_of_birth: date, contact: ContactDetails, coverage: CoverageDetails | None = None, by: User | None
) -> Patient:
    """Register a patient at the desk, with the coverage they showed (an insurer or an exemption card), in one
    transaction: a refused coverage leaves no patient behind. The desk checked for likely duplicates first
    (selectors.patient_likely_duplicates)."""
    patient = patient_create(name=name, date_of_birth=date_of_birth, contact=contact, by=by)
    if coverage is not None:
        coverage_add(
            patient_id=patient.pk,
            kind=coverage.kind,
            payer_name=coverage.payer_name,
            member_number=coverage.member_number,
            valid_from=coverage.valid_from,
            valid_to=coverage.valid_to,
        )
    return patient


@transaction.atomic
def coverage_add(
    *,
    patient_id: int,
    kind: str,
    payer_name: str,
    member_number: str = "",
    valid_from: date,
    valid_to: date | None = None,
) -> Coverage:
    """Register an insurer or an exemption card (frikort) covering the patient from `valid_from`. The same
    coverage again (kind, payer and number) is the one already registered, not a second row."""
    if kind not in Coverage.Kind.values:
        raise ApplicationError(_("Choose an insurer or an exemption card."), field="kind")
    if not payer_name.strip():
        raise ApplicationError(_("Enter the insurer or the card issuer."), field="payer_name")
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(_("The coverage cannot end before it starts."), field="valid_to")
    coverage, _created = Coverage.objects.get_or_create(
        patient_id=patient_id,
        kind=kind,
        payer_name=payer_name.strip(),
        member_number=member_number.strip(),
        defaults={"valid_from": valid_from, "valid_to": valid_to},
    )
    return coverage


@transaction.atomic
def patient_update_contact(*, patient_id: int, contact: ContactDetails, by: User | None = None) -> Patient:
    """Change how the patient is reached: address, language, preferred channel and opt-outs."""
    try:
        patient = Patient.objects.select_for_update().get(pk=patient_id)
    except Patient.DoesNotExist as exc:
        raise NotFound(_("No such patient."), field="patient") from exc
    _validate_contact(contact)
    old_email, old_phone = patient.email, patient.phone
    changed = []
    for f in fields(contact):
        setattr(patient, f.name, getattr(contact, f.name))
        changed.append(f.name)
    patient.save(update_fields=changed)
    if _normalised(patient.email) != _normalised(old_email) and not _is_the_patient(patient, by):
        _contact_change_record(patient=patient, old_email=old_email, old_phone=old_phone, by=by)
    return patient


def _normalised(email: str) -> str:
    return email.strip().lower()


def _is_the_patient(patient: Patient, user: User | None) -> bool:
    return user is not None and patient.user_id is not None and user.pk == patient.user_id


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _contact_change_record(*, patient: Patient, old_email: str, old_phone: str, by: User | None) -> ContactChange:
    """Record an email change made by someone other than the patient, and tell the patient on the channel that
    still reaches them (the previous address, else their phone), after commit, with a link to confirm it.

    While an earlier change is unconfirmed, "previous" means from before the oldest unconfirmed change: else
    whoever typed the first new address (or a new phone) would get the link that confirms the next one.
    """
    token = secrets.token_urlsafe(32)
    chain = selectors.email_changes_unconfirmed(patient_id=patient.pk)
    if chain:
        old_email, old_phone = chain[0].old_email, chain[0].old_phone
    if old_email:
        notified_by = ContactChange.NotifiedBy.EMAIL
    elif old_phone:
        notified_by = ContactChange.NotifiedBy.SMS
    else:
        notified_by = ContactChange.NotifiedBy.NONE
    now = timezone.now()
    change = ContactChange.objects.create(
        patient=patient,
        old_email=old_email,
        old_phone=old_phone,
        new_email=patient.email,
        changed_by=by,
        changed_at=now,
        notified_by=notified_by,
        token_hash=_token_hash(token) if notified_by != ContactChange.NotifiedBy.NONE else None,
        expires_at=now + timedelta(days=settings.CONTACT_CHANGE_CONFIRMATION_DAYS),
    )
    if notified_by == ContactChange.NotifiedBy.NONE:
        return change
    link = settings.SITE_URL + reverse("portal:portal-contact-change-confirm", kwargs={"token": token})
    # The notice goes even to a patient who opted out of email or text messages: it is about their account's
    # safety, not a reminder, and the previous address is the one channel the person who made the change
    # does not control. It is sent after commit, so a relay that fails cannot undo the change.
    with translation.override(patient.language):
        if notified_by == ContactChange.NotifiedBy.EMAIL:
            body = render_to_string(
                "portal/email/contact_change.txt",
                {"patient": patient, "change": change, "link": link, "CLINIC": settings.CLINIC},
            )
            subject = _("Your email address at %(clinic)s was changed") % {"clinic": settings.CLINIC["name"]}
            message = EmailMessage(subject, body, None, [old_email])
            transaction.on_commit(lambda: _notice_deliver(change_id=change.pk, send=lambda: _email_send(message)))
        else:
            text = _(
                "%(clinic)s: your email address was changed to %(email)s. If you asked for it, confirm: %(link)s "
                "If not, call %(phone)s."
            ) % {
                "clinic": settings.CLINIC["name"],
                "email": patient.email,
                "link": link,
                "phone": settings.CLINIC["phone"],
            }
            reference = f"contact-change-{change.pk}"
            transaction.on_commit(
                lambda: _notice_deliver(
                    change_id=change.pk, send=lambda: _sms_backend().send(to=old_phone, text=text, reference=reference)
                )
            )
    return change


def _email_send(message: EmailMessage) -> None:
    message.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    message.send()


def _sms_backend() -> Any:
    """The configured SMS backend (settings.SMS_BACKEND), which bounds its call by settings.SMS_TIMEOUT.

    Resolved here rather than through patient_collections.channels: patients sits below that app.
    """
    return import_string(settings.SMS_BACKEND)()


def _notice_deliver(*, change_id: int, send: Callable[[], None]) -> None:
    """Send a contact-change notice after commit; when it fails, record that the patient was not told.

    A failure must neither give the clerk a 500 for a change that is saved, nor leave the page claiming a link
    went out: the change then reads as one with no channel left, for a second staff member to confirm.
    Only the change's id goes to the log, never the address, phone or text.
    """
    try:
        send()
    # An SMS provider's backend raises its own errors (patient_collections.channels.DeliveryError, or its HTTP
    # client's): whatever it raises, the patient was not told.
    except Exception as exc:
        logger.warning("The notice of contact change %s was not delivered (%s).", change_id, type(exc).__name__)
        ContactChange.objects.filter(pk=change_id).update(notified_by=ContactChange.NotifiedBy.NONE)


def contact_change_for_token(token: str) -> ContactChange:
    """The unconfirmed change behind a confirmation link, or NotFound (unknown, used or expired look the same)."""
    change = (
        ContactChange.objects.select_related("patient")
        .filter(token_hash=_token_hash(token), confirmed_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if change is None:
        raise NotFound(_("This confirmation link is not valid any more. Call the clinic if your details are wrong."))
    return change


def _earlier_unconfirmed(change: ContactChange) -> list[ContactChange]:
    """The unconfirmed changes of the patient made before `change`, locked in primary key order."""
    earlier = ContactChange.objects.filter(patient_id=change.patient_id, confirmed_at__isnull=True).filter(
        Q(changed_at__lt=change.changed_at) | Q(changed_at=change.changed_at, id__lt=change.pk)
    )
    return list(earlier.select_for_update().order_by("pk"))


def _confirm(changes: list[ContactChange], *, by: User | None) -> None:
    now = timezone.now()
    for change in changes:
        change.confirmed_at = now
        change.confirmed_by = by
        change.save(update_fields=["confirmed_at", "confirmed_by"])  # through save(): the audit log records it


@transaction.atomic
def contact_change_confirm_by_patient(*, token: str) -> ContactChange:
    """The patient confirms, through the link sent to their previous address or phone, that the change is theirs.

    It confirms the earlier unconfirmed changes too: every notice of a chain went to the address (or phone)
    from before its oldest change, so the person confirming is the one who had that address.
    """
    change = ContactChange.objects.select_for_update().get(pk=contact_change_for_token(token).pk)
    _confirm([*_earlier_unconfirmed(change), change], by=None)
    return change


@transaction.atomic
def contact_change_confirm_by_staff(*, change_id: int, by: User) -> ContactChange:
    """A second staff member confirms the change (and the unconfirmed ones before it) after checking with the
    patient; never one who made any of them."""
    change = ContactChange.objects.select_for_update().filter(pk=change_id).first()
    if change is None:
        raise NotFound(_("No such contact change."))
    if change.confirmed_at is not None:
        return change
    chain = [*_earlier_unconfirmed(change), change]
    if any(link.changed_by_id == by.pk for link in chain):
        raise PermissionDenied(_("You made this change: another staff member must confirm it with the patient."))
    _confirm(chain, by=by)
    return change


@transaction.atomic
def patient_set_language(*, patient_id: int, language: str) -> Patient:
    """The patient's language: the portal, PDFs, reminders and letters all use it."""
    if language not in Language.values:
        raise ApplicationError(_("Choose one of the supported languages."), field="language")
    try:
        patient = Patient.objects.select_for_update().get(pk=patient_id)
    except Patient.DoesNotExist as exc:
        raise NotFound(_("No such patient."), field="patient") from exc
    patient.language = language
    patient.save(update_fields=["language"])  # through save(), so the audit log records the change
    return patient


NOTE_MAX_LENGTH = 2000


@transaction.atomic
def patient_note_add(*, patient_id: int, text: str, by: User | None) -> PatientNote:
    """Write a note on the patient's account ("called, promised to pay Friday"); it shows on their timeline."""
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write the note first."), field="text")
    if len(text) > NOTE_MAX_LENGTH:
        raise ApplicationError(_("A note can be at most %(max)s characters.") % {"max": NOTE_MAX_LENGTH}, field="text")
    if not Patient.objects.filter(pk=patient_id).exists():
        raise NotFound(_("No such patient."), field="patient")
    return PatientNote.objects.create(patient_id=patient_id, text=text, written_at=timezone.now(), written_by=by)


@transaction.atomic
def caller_check_record(
    *,
    patient_id: int,
    caller: str,
    contact: str,
    proxy_id: int | None = None,
    caller_name: str = "",
    note: str = "",
    by: User | None,
) -> CallerCheck:
    """Record who staff found on the line or at the desk before speaking about the account, and whether the
    account may be shared with them: the patient, or a proxy whose authorisation holds today. Anyone else
    hears nothing, and the refused contact is logged on the patient's timeline like an allowed one."""
    if caller not in CallerCheck.Caller.values:
        raise ApplicationError(_("Choose who is calling."), field="caller")
    if contact not in CallerCheck.Contact.values:
        raise ApplicationError(_("Choose how they reached us."), field="contact")
    if not Patient.objects.filter(pk=patient_id).exists():
        raise NotFound(_("No such patient."), field="patient")
    proxy = None
    if caller == CallerCheck.Caller.NO_CALLER:
        contact = CallerCheck.Contact.NONE
    elif contact == CallerCheck.Contact.NONE:
        raise ApplicationError(_("Choose how they reached us."), field="contact")
    if caller == CallerCheck.Caller.PROXY:
        grants = AuthorisedProxy.objects.filter(patient_id=patient_id)
        proxy = grants.filter(pk=proxy_id).first() if proxy_id is not None else None
        if proxy is None:
            raise ApplicationError(_("Choose which authorised person is calling."), field="proxy")
        caller_name = proxy.name
        allowed = proxy.is_active_on(timezone.localdate())
    elif caller == CallerCheck.Caller.SOMEONE_ELSE:
        if not caller_name.strip():
            raise ApplicationError(_("Write the name the caller gave."), field="caller_name")
        allowed = False
    else:
        caller_name = ""
        allowed = True
    return CallerCheck.objects.create(
        patient_id=patient_id,
        caller=caller,
        contact=contact,
        proxy=proxy,
        caller_name=caller_name.strip()[:200],
        note=note.strip()[:500],
        allowed=allowed,
        checked_at=timezone.now(),
        checked_by=by,
    )
