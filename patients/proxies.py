"""Writes of authorised proxies: someone the patient lets speak for them, and the portal account they sign in with.

Every write goes through save() or the audited manager, so django-auditlog records who made it and when, as it
does for the patient's own data (patients/services.py).
"""

from datetime import date

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
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
    document_reference: str = "",
    document: UploadedFile | None = None,
    by: User | None = None,
) -> AuthorisedProxy:
    """Record that the patient lets someone speak for them from `valid_from`, until `valid_to` (when given) or
    until the patient revokes it. The signed authorisation is named by where it is filed, or uploaded (kept in
    the private storage, served only to staff)."""
    if not name.strip():
        raise ApplicationError(_("Enter the person's name."), field="name")
    if (refusal := name_refusal(name)) is not None:
        raise ApplicationError(refusal, field="name")
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(_("The end date comes before the start date."), field="valid_to")
    if scope not in AuthorisedProxy.Scope.values:
        raise ApplicationError(_("Choose billing matters or all matters."), field="scope")
    if not document_reference.strip() and document is None:
        raise ApplicationError(
            _("Say where the signed authorisation is filed, or upload it."), field="document_reference"
        )
    if document is not None:
        _check_document(document)
    return AuthorisedProxy.objects.create(
        patient_id=patient_id,
        name=name.strip(),
        relationship=relationship.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
        scope=scope,
        valid_from=valid_from,
        valid_to=valid_to,
        document_reference=document_reference.strip(),
        document=document,
        created_by=by,
    )


DOCUMENT_TYPES = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def document_content_type(head: bytes) -> str:
    """The media type of a stored document, from its first bytes."""
    return next(
        (media_type for media_type, magic in DOCUMENT_TYPES.items() if head.startswith(magic)),
        "application/octet-stream",
    )


def _check_document(document: UploadedFile) -> None:
    """A scan or a PDF of reasonable size, recognised by its first bytes, not by the name the browser sent."""
    if document.size is None or document.size > DOCUMENT_MAX_BYTES:
        raise ApplicationError(_("The document can be at most 10 MB."), field="document")
    head = document.read(8)
    document.seek(0)
    if not any(head.startswith(magic) for magic in DOCUMENT_TYPES.values()):
        raise ApplicationError(_("Upload a PDF, JPEG or PNG file."), field="document")


@transaction.atomic
def authorised_proxy_revoke(*, patient_id: int, proxy_id: int, by: User | None = None) -> AuthorisedProxy:
    """End a grant now: from the next request on, the person sees nothing of the patient's. A grant already
    ended stays as it was."""
    grant = AuthorisedProxy.objects.select_for_update().filter(pk=proxy_id, patient_id=patient_id).first()
    if grant is None:
        raise NotFound(_("No such person."), field="proxy")
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = by
        grant.save(update_fields=["revoked_at", "revoked_by"])  # through save(), so the audit log records who ended it
    return grant


@transaction.atomic
def authorised_proxy_link_user(*, proxy_id: int, user: User) -> None:
    """Link the portal account the person signs in with to their grant (they accepted its invitation)."""
    # The audited manager writes the change to the audit log, as save() would.
    if AuthorisedProxy.objects.filter(pk=proxy_id).update(user=user) == 0:
        raise NotFound(_("No such person."), field="proxy")
