"""Reads of patients: the email changes an account page warns about, an exemption card held on a day. The
patient search, which also finds patients by an invoice's number or payment reference, is the front desk's
(frontdesk/selectors.py)."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import AuthorisedProxy, CallerCheck, ContactChange, Coverage, Patient, PatientNote


def email_changes_unconfirmed(*, patient_id: int) -> list[ContactChange]:
    """The patient's email changes made by someone else since the last confirmed one, oldest first, when any of
    them is unconfirmed (else []): the chain that blocks portal invitations and whose notices all go to the
    address and phone from before its oldest change."""
    # One query: a patient has a handful of changes, newest first until the last confirmed one.
    newest_first = ContactChange.objects.filter(patient_id=patient_id).select_related("changed_by")
    chain: list[ContactChange] = []
    for change in newest_first.order_by("-changed_at", "-id"):
        if change.confirmed_at is not None:
            break
        chain.append(change)
    return chain[::-1]


def email_change_unconfirmed(*, patient_id: int) -> ContactChange | None:
    """The patient's latest email change when any change since the last confirmed one is unconfirmed (it blocks
    portal invitations to the new address), else None."""
    chain = email_changes_unconfirmed(patient_id=patient_id)
    return chain[-1] if chain else None


def exemption_card_held(*, patient_id: int, on: date) -> bool:
    """Whether the patient held an exemption card (frikort) valid on that day."""
    return (
        Coverage.objects.filter(patient_id=patient_id, kind=Coverage.Kind.EXEMPTION_CARD, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .exists()
    )


def tiers_payant_held(*, patient_id: int, on: date) -> bool:
    """Whether the patient's health insurance paid the clinic directly (tiers payant) on that day."""
    return (
        Coverage.objects.filter(patient_id=patient_id, kind=Coverage.Kind.TIERS_PAYANT, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .exists()
    )


def tiers_payant_held_expression(*, patient: str, on: str) -> Exists:
    """`tiers_payant_held` as an expression over the outer query's `patient` and `on` fields, so that a list
    reads it in the same query."""
    return Exists(
        Coverage.objects.filter(
            patient_id=OuterRef(patient), kind=Coverage.Kind.TIERS_PAYANT, valid_from__lte=OuterRef(on)
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef(on)))
    )


def _name_words(name: str) -> list[str]:
    return [word for word in re.split(r"[\s,.\-]+", name.casefold()) if len(word) > 1]


def patient_likely_duplicates(*, name: str, date_of_birth: date) -> list[Patient]:
    """Patients who are probably the one about to be registered: born the same day, with the same name or one
    sharing a word of it (a married name, a middle name left out, "Hansen, Kari"). One query."""
    words = _name_words(name)
    if not words:
        return []
    same_words = Q()
    for word in words:
        same_words |= Q(name__icontains=word)
    born_that_day = Patient.objects.filter(date_of_birth=date_of_birth, anonymised_at__isnull=True)
    return [
        patient
        for patient in born_that_day.filter(same_words).order_by("name", "id")[:10]
        if set(_name_words(patient.name)) & set(words)
    ]


def notes_for_patient(*, patient_id: int) -> QuerySet[PatientNote]:
    """The staff notes on the account, newest first, with their writers."""
    return PatientNote.objects.filter(patient_id=patient_id).select_related("written_by").order_by("-written_at", "-id")


def third_party_contacts(*, patient_id: int) -> QuerySet[CallerCheck]:
    """Every contact by someone other than the patient (an authorised proxy or anyone else), allowed or refused,
    newest first."""
    return (
        CallerCheck.objects.filter(
            patient_id=patient_id, caller__in=[CallerCheck.Caller.PROXY, CallerCheck.Caller.SOMEONE_ELSE]
        )
        .select_related("checked_by", "proxy")
        .order_by("-checked_at", "-id")
    )


def proxies_for_patient(*, patient_id: int) -> QuerySet[AuthorisedProxy]:
    """The patient's authorised proxies, ended ones too, with who registered and revoked them."""
    return AuthorisedProxy.objects.filter(patient_id=patient_id).select_related("created_by", "revoked_by")


# What "contact details" means on the timeline: the fields ContactDetails (services) changes.
CONTACT_FIELDS = (
    "email",
    "phone",
    "address_line",
    "postal_code",
    "city",
    "language",
    "preferred_channel",
    "opt_out_email",
    "opt_out_sms",
    "opt_out_phone",
)


@dataclass(frozen=True)
class ContactEdit:
    """One change of the patient's contact details, read from the audit log: when, by whom, which fields."""

    changed_at: datetime
    changed_by: str
    fields: tuple[str, ...]

    @property
    def field_labels(self) -> list[str]:
        return [str(getattr(Patient._meta.get_field(name), "verbose_name", name)) for name in self.fields]


def contact_edits(*, patient_id: int) -> list[ContactEdit]:
    """The changes of the patient's contact details (email, phone, address, language, channel, opt-outs), newest
    first, as the audit log recorded them. One query (the content type is cached)."""
    entries = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Patient),
            object_id=patient_id,
            action=LogEntry.Action.UPDATE,
        )
        .select_related("actor")
        .order_by("-timestamp", "-id")
    )
    edits = []
    for entry in entries:
        changed = tuple(name for name in CONTACT_FIELDS if name in (entry.changes_dict or {}))
        if changed:
            actor = entry.actor
            who = (actor.get_full_name() or actor.get_username()) if actor is not None else ""
            edits.append(ContactEdit(changed_at=entry.timestamp, changed_by=who, fields=changed))
    return edits


def patient_by_external_reference(*, source: str, reference: str) -> Patient | None:
    """The patient the source system knows by this reference, if registered."""
    return Patient.objects.filter(external_source=source, external_reference=reference).first()


def patients_matching(
    *,
    external_source: str | None = None,
    external_reference: str | None = None,
    date_of_birth: date | None = None,
    name: str | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[Patient]:
    """Patients matching every criterion given: the source system's id, the date of birth, a part of the name
    (any case), changed since a moment."""
    patients = Patient.objects.all()
    if external_reference is not None:
        patients = patients.filter(external_source=external_source or "", external_reference=external_reference)
    if date_of_birth is not None:
        patients = patients.filter(date_of_birth=date_of_birth)
    if name:
        patients = patients.filter(name__icontains=name.strip())
    if updated_since is not None:
        patients = patients.filter(updated_at__gte=updated_since)
    return patients
