"""Reads of patients: the email changes an account page warns about, an exemption card held on a day. The
patient search, which also finds patients by an invoice's number or payment reference, is the front desk's
(frontdesk/selectors.py)."""

from datetime import date, datetime

from django.db.models import Q, QuerySet

from .models import ContactChange, Coverage, Patient


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
