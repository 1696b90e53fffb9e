"""Writes of the session register: track a signed-in session, and end a person's sessions everywhere."""

from datetime import timedelta
from importlib import import_module
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils import timezone

from clinic_billing.client_address import client_address

from .models import UserSession

# Why a person's sessions were ended, as written in the audit entry.
SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"
DEACTIVATED = "account_deactivated"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
TWO_FACTOR_TURNED_ON = "two_factor_turned_on"


def session_track(*, request: HttpRequest, user: AbstractBaseUser) -> None:
    """Remember that this session belongs to `user` (at sign-in), and forget this user's long-dead ones."""
    session_key = request.session.session_key
    if not session_key:
        return
    oldest_alive = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    UserSession.objects.filter(user_id=user.pk, created_at__lt=oldest_alive).delete()
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user_id": user.pk,
            # As the lockout and the audit log see it: behind a trusted proxy, the client's, not the proxy's.
            "last_ip": client_address(request),
            "user_agent": request.headers.get("User-Agent", "")[:200],
        },
    )


def session_cycle_key(*, request: HttpRequest) -> None:
    """Give a signed-in session a new key (after a step that raised its trust) and keep it tracked under it."""
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def session_untrack(*, session_key: str | None) -> None:
    """Forget a session that has been signed out of."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end(*, user: AbstractBaseUser, reason: str, actor: Any = None, keep_session_key: str | None = None) -> int:
    """Delete every tracked session of `user` from the session store (but `keep_session_key`).

    Returns how many were ended; when any were, an audit entry on the user records who did it and why
    (`actor` is filled from the request by auditlog's middleware when not given).
    """
    tracked = UserSession.objects.filter(user_id=user.pk)
    if keep_session_key:
        tracked = tracked.exclude(session_key=keep_session_key)
    keys = list(tracked.values_list("session_key", flat=True))
    if not keys:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(user),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr=user.get_username(),
        action=LogEntry.Action.UPDATE,
        actor=actor,
        additional_data={"sessions_ended": len(keys), "reason": reason},
    )
    return len(keys)
