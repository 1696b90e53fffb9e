"""Writes of patient data. Every change is recorded by django-auditlog (who, when, what)."""

from dataclasses import dataclass, fields
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, NotFound

from .models import Channel, Language, Patient
from .validators import name_refusal


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
def patient_create(*, name: str, date_of_birth: date, contact: ContactDetails, by: User | None = None) -> Patient:
    """Register a patient with their contact preferences."""
    if not name.strip():
        raise ApplicationError(_("Enter the patient's name."), field="name")
    if (refusal := name_refusal(name)) is not None:
        raise ApplicationError(refusal, field="name")
    if date_of_birth > date.today():
        raise ApplicationError(_("The date of birth cannot be in the future."), field="date_of_birth")
    _validate_contact(contact)
    values = {f.name: getattr(contact, f.name) for f in fields(contact)}
    return Patient.objects.create(name=name.strip(), date_of_birth=date_of_birth, **values)


@transaction.atomic
def patient_update_contact(*, patient_id: int, contact: ContactDetails, by: User | None = None) -> Patient:
    """Change how the patient is reached: address, language, preferred channel and opt-outs."""
    try:
        patient = Patient.objects.select_for_update().get(pk=patient_id)
    except Patient.DoesNotExist as exc:
        raise NotFound(_("No such patient."), field="patient") from exc
    _validate_contact(contact)
    changed = []
    for f in fields(contact):
        setattr(patient, f.name, getattr(contact, f.name))
        changed.append(f.name)
    patient.save(update_fields=changed)
    return patient


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
