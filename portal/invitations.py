"""Portal accounts: invitations sent by staff (or by a patient, for a proxy), accepted by setting a password.

The invitation link carries a random token; only its SHA-256 is stored, so a database reader cannot use it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from patients.models import AuthorisedProxy, Patient
from patients.proxies import authorised_proxy_link_user
from patients.selectors import email_change_unconfirmed

from .models import PortalInvitation


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _another_patients_account(*, patient_id: int, account: Q) -> Conflict | None:
    """The refusal for a patient's invitation whose account already belongs to another patient: an account
    links to one patient only, so a relative with their own account is added as a proxy instead."""
    if not Patient.objects.filter(account).exclude(pk=patient_id).exists():
        return None
    return Conflict(
        _("This address already signs in for another patient; add that person as a proxy instead."), field="email"
    )


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("portal:portal-activate", kwargs={"token": token})


@transaction.atomic
def invitation_create(
    *, patient_id: int, email: str, proxy_id: int | None = None, by: User | None
) -> tuple[PortalInvitation, str]:
    """Invite the patient (or a proxy the patient named) to open a portal account; emails the link.

    Returns the invitation and the raw token (shown once; only its hash is kept).
    """
    # Locked like a contact change locks it, so an email change cannot slip in between the check below and
    # the invitation.
    patient = Patient.objects.select_for_update().filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."), field="patient")
    email = email.strip().lower()
    if not email:
        raise ApplicationError(_("An email address is needed to send the invitation."), field="email")
    proxy = None
    if proxy_id is not None:
        proxy = AuthorisedProxy.objects.filter(pk=proxy_id, patient=patient).first()
        if proxy is None or not proxy.is_active_on(timezone.localdate()):
            raise ApplicationError(_("Only an active authorisation can get portal access."), field="proxy")
    elif patient.user_id is not None:
        raise Conflict(_("This patient already has a portal account."), field="patient")
    elif (refusal := _another_patients_account(patient_id=patient.pk, account=Q(user__username=email))) is not None:
        raise refusal
    elif (change := email_change_unconfirmed(patient_id=patient.pk)) is not None:
        # Whoever typed the new address could otherwise invite themselves into the patient's account.
        if not change.patient_was_told:
            message = _(
                "The email address was changed by someone other than the patient and is not confirmed yet. "
                "No link could be sent to the patient: another staff member must confirm it on the account page "
                "after checking with the patient."
            )
        else:
            message = _(
                "The email address was changed by someone other than the patient and is not confirmed yet. "
                "The patient confirms it with the link sent to their previous address or phone, or another "
                "staff member confirms it on the account page."
            )
        raise Conflict(message, field="email")
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation.objects.create(
        patient=patient,
        proxy=proxy,
        email=email,
        token_hash=_hash(token),
        expires_at=timezone.now() + timedelta(days=settings.PORTAL_INVITATION_DAYS),
        created_by=by,
    )
    language = patient.language
    with translation.override(language):
        body = render_to_string(
            "portal/email/invitation.txt",
            {
                "patient": patient,
                "proxy": proxy,
                "link": invitation_link(token),
                "days": settings.PORTAL_INVITATION_DAYS,
                "CLINIC": settings.CLINIC,
            },
        )
        subject = _("Your access to %(clinic)s's patient portal") % {"clinic": settings.CLINIC["name"]}
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return invitation, token


def invitation_for_token(token: str) -> PortalInvitation:
    """The open invitation behind a link, or NotFound (unknown, used or expired all look the same)."""
    invitation = (
        PortalInvitation.objects.select_related("patient", "proxy")
        .filter(token_hash=_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid any more. Ask the clinic for a new one."))
    return invitation


def invitation_for_existing_account(invitation: PortalInvitation) -> User | None:
    """The account already named by the invitation's address, if there is one.

    Such an invitation (a proxy grant to someone who has an account, or a patient whose address is a proxy's
    sign-in name) is accepted by that account once it has signed in with its own password, never by choosing
    a password on the invitation page: whoever holds the link is not yet known to own the account.
    """
    return User.objects.filter(username=invitation.email).first()


def _open_invitation_locked(token: str) -> PortalInvitation:
    invitation = invitation_for_token(token)
    invitation = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise NotFound(_("This invitation link is not valid any more. Ask the clinic for a new one."))
    return invitation


def _grant_access(invitation: PortalInvitation, user: User) -> None:
    """Link the account: a patient's invitation to the patient, a proxy's to the authorisation."""
    if invitation.proxy_id is not None:
        authorised_proxy_link_user(proxy_id=invitation.proxy_id, user=user)
    else:
        patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
        if patient.user_id is not None and patient.user_id != user.pk:
            raise Conflict(_("This patient already has a portal account."), field="patient")
        # Checked again here: the account may have been linked to another patient after the invitation went.
        if (refusal := _another_patients_account(patient_id=patient.pk, account=Q(user=user))) is not None:
            raise refusal
        patient.user = user
        patient.save(update_fields=["user"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Open a new account with the chosen password: the email is the sign-in name; a patient's account links to
    the patient, a proxy's account to the authorisation.

    Refused (Conflict) when an account with that address exists: it accepts through
    `invitation_accept_signed_in` after signing in, so the link alone never opens someone's account.
    """
    invitation = _open_invitation_locked(token)
    if invitation_for_existing_account(invitation) is not None:
        raise Conflict(
            _("An account with this email address exists already. Sign in with its password to accept the invitation."),
            field="email",
        )
    user = User(username=invitation.email, email=invitation.email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    _grant_access(invitation, user)
    return user


@transaction.atomic
def invitation_accept_signed_in(*, token: str, user: User) -> User:
    """Add the invitation's access to the account of the person signed in, which must be the account the
    invitation's address names (the password was checked at sign-in, and the second step if it is on)."""
    invitation = _open_invitation_locked(token)
    if user.username != invitation.email:
        raise PermissionDenied(
            _("This invitation is for %(email)s. Sign out, then sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    _grant_access(invitation, user)
    return user
