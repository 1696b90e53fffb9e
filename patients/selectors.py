"""Reads of patients: search and the account page."""

from datetime import date, datetime

from django.db.models import Q, QuerySet

from invoices.models import Invoice

from .models import ContactChange, Patient


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def patient_search(*, query: str, limit: int = 25) -> QuerySet[Patient]:
    """Patients matching a name, a date of birth, an invoice number or a payment reference."""
    text = query.strip()
    if not text:
        return Patient.objects.none()
    condition = Q(name__icontains=text)
    day = _parse_date(text)
    if day is not None:
        condition |= Q(date_of_birth=day)
    compact = text.replace(" ", "")
    if any(ch.isdigit() for ch in compact):
        matching_invoices = Invoice.objects.filter(Q(number=compact) | Q(payment_reference=compact))
        condition |= Q(pk__in=matching_invoices.values("patient_id"))
    return Patient.objects.filter(condition).order_by("name", "id")[:limit]


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
