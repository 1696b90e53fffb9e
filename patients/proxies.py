"""Writes of authorised proxies: someone the patient lets speak for them, and the portal account they sign in with.

Every write goes through save() or the audited manager, so django-auditlog records who made it and when, as it
does for the patient's own data (patients/services.py).
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, NotFound

from .models import AuthorisedProxy
from .validators import name_refusal


@transaction.atomic
def authorised_proxy_create(
    *,
    patient_id: int,
    name: str,
    email: str = "",
    phone: str = "",
    relationship: str = "",
    scope: str = AuthorisedProxy.Scope.BILLING,
    valid_from: date,
    valid_to: date | None = None,
    document_reference: str,
) -> AuthorisedProxy:
    """Record that the patient lets someone speak for them from `valid_from`, until `valid_to` (when given) or
    until the patient revokes it."""
    if not name.strip():
        raise ApplicationError(_("Enter the person's name."), field="name")
    if (refusal := name_refusal(name)) is not None:
        raise ApplicationError(refusal, field="name")
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(_("The end date comes before the start date."), field="valid_to")
    return AuthorisedProxy.objects.create(
        patient_id=patient_id,
        name=name.strip(),
        relationship=relationship.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
        scope=scope,
        valid_from=valid_from,
        valid_to=valid_to,
        document_reference=document_reference,
    )


@transaction.atomic
def authorised_proxy_revoke(*, patient_id: int, proxy_id: int) -> AuthorisedProxy:
    """End a grant now: from the next request on, the person sees nothing of the patient's. A grant already
    ended stays as it was."""
    grant = AuthorisedProxy.objects.select_for_update().filter(pk=proxy_id, patient_id=patient_id).first()
    if grant is None:
        raise NotFound(_("No such person."), field="proxy")
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])  # through save(), so the audit log records who ended it
    return grant


@transaction.atomic
def authorised_proxy_link_user(*, proxy_id: int, user: User) -> None:
    """Link the portal account the person signs in with to their grant (they accepted its invitation)."""
    # The audited manager writes the change to the audit log, as save() would.
    if AuthorisedProxy.objects.filter(pk=proxy_id).update(user=user) == 0:
        raise NotFound(_("No such person."), field="proxy")
