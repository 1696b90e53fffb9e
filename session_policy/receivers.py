"""Sign-in stamps and tracks the session, sign-out forgets it; closing an account or having its password
changed ends every session of that account."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from clinic_billing.session_security import session_stamp

from .services import DEACTIVATED, PASSWORD_CHANGED, session_track, session_untrack, sessions_end

User = get_user_model()


@receiver(user_logged_in, dispatch_uid="session_policy_signed_in")
def signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session_stamp(request, user)
    session_track(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="session_policy_signed_out")
def signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session_untrack(session_key=request.session.session_key)


@receiver(post_init, sender=User, dispatch_uid="session_policy_remember_password")
def remember_password(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The hash as loaded, to notice a password change on save without reading the row again.
    instance._session_policy_password = instance.password


@receiver(post_save, sender=User, dispatch_uid="session_policy_account_changed")
def account_changed(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created:
        return
    password_changed = instance.password != getattr(instance, "_session_policy_password", instance.password)
    instance._session_policy_password = instance.password
    if not instance.is_active and (update_fields is None or "is_active" in update_fields):
        sessions_end(user=instance, reason=DEACTIVATED)
    elif password_changed and set(update_fields or ()) != {"password"}:
        # Whoever changed it (an administrator, a reset link), sessions opened with the old password end.
        # A save of the password field alone is Django re-hashing the same password at sign-in with a
        # newer hasher (check_password's setter): not a change of password, nothing to end or record.
        sessions_end(user=instance, reason=PASSWORD_CHANGED)
