"""Session lifetime: an idle timeout per kind of user and an absolute lifetime for every signed-in session.

At sign-in (`user_logged_in`, which `Client.force_login` fires too) the session gets three stamps: the kind of
user (staff or portal), when they signed in and when they were last seen (epoch seconds), and its expiry is
set to that kind's idle limit. On each request the middleware compares the clock with the stamps:

- idle longer than the limit (staff `STAFF_SESSION_IDLE_SECONDS`, patients and proxies
  `PORTAL_SESSION_IDLE_SECONDS`), or signed in longer than `SESSION_ABSOLUTE_SECONDS`: the session is ended
  server-side (Django's `logout`, which deletes it from the store) and the person is sent to their sign-in
  page with a plain message; an API or JSON request gets a 401 JSON answer instead of a redirect;
- otherwise "last seen" and the store's expiry move forward, but only once the stamp is older than
  `SESSION_REFRESH_SECONDS`. Writing on every request would cost a session save (three queries) on every
  page; with the throttle a burst of page views costs none, and the idle limit is exact to within
  `SESSION_REFRESH_SECONDS`.
"""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import ngettext

from clinic_billing.roles import reaches_staff_screens

KIND = "_session_kind"
LOGIN_AT = "_session_login_at"
LAST_SEEN = "_session_last_seen"
STAFF = "staff"
PORTAL = "portal"

IDLE = "idle"
ABSOLUTE = "absolute"


def now() -> float:
    """The clock the session rules read (tests move it by patching this function)."""
    return time.time()


def idle_limit(kind: str) -> int:
    return settings.STAFF_SESSION_IDLE_SECONDS if kind == STAFF else settings.PORTAL_SESSION_IDLE_SECONDS


def session_kind(user: Any) -> str:
    return STAFF if reaches_staff_screens(user) else PORTAL


def session_stamp(request: HttpRequest, user: Any) -> None:
    """Start the idle and absolute clocks of a session that has just been signed in to."""
    kind = session_kind(user)
    stamp = int(now())
    request.session[KIND] = kind
    request.session[LOGIN_AT] = stamp
    request.session[LAST_SEEN] = stamp
    request.session.set_expiry(idle_limit(kind))


def session_expired_reason(session: Any, at: int) -> str | None:
    """IDLE or ABSOLUTE when a stamped session has run out at time `at`, else None."""
    if at - session[LAST_SEEN] > idle_limit(session[KIND]):
        return IDLE
    if at - session[LOGIN_AT] > settings.SESSION_ABSOLUTE_SECONDS:
        return ABSOLUTE
    return None


def _signed_out_message(kind: str, reason: str) -> str:
    if reason == IDLE:
        minutes = idle_limit(kind) // 60
        return ngettext(
            "You were signed out after %(minutes)s minute without activity. Sign in again to go on.",
            "You were signed out after %(minutes)s minutes without activity. Sign in again to go on.",
            minutes,
        ) % {"minutes": minutes}
    hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
    return ngettext(
        "You were signed out because you have been signed in for %(hours)s hour. Sign in again to go on.",
        "You were signed out because you have been signed in for %(hours)s hours. Sign in again to go on.",
        hours,
    ) % {"hours": hours}


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _signed_out_response(request: HttpRequest, kind: str, reason: str) -> HttpResponse:
    message = _signed_out_message(kind, reason)
    if _wants_json(request):
        return JsonResponse({"detail": message, "code": "session_expired"}, status=401)
    login_url = reverse("login") if kind == STAFF else reverse("portal:portal-login")
    if request.headers.get("HX-Request"):
        # htmx would swap a redirected login page into the part of the page it was updating.
        response: HttpResponse = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
    elif request.method == "GET":
        response = redirect_to_login(request.get_full_path(), login_url)
    else:
        # A form posted after the timeout is not replayed: sign in and start it again.
        response = HttpResponseRedirect(login_url)
    # This middleware runs before MessageMiddleware and answers without passing the request on, so it
    # stores the message for the sign-in page itself.
    storage = default_storage(request)
    storage.add(messages.INFO, message)
    storage.update(response)
    return response


class SessionSecurityMiddleware:
    """Ends idle and too-old sessions; moves the idle clock forward at most once a refresh interval."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        at = int(now())
        if KIND not in session:
            # A session signed in before these rules existed: start its clocks now.
            session_stamp(request, user)
            return self.get_response(request)
        reason = session_expired_reason(session, at)
        if reason is not None:
            kind = session[KIND]
            logout(request)
            return _signed_out_response(request, kind, reason)
        if at - session[LAST_SEEN] > settings.SESSION_REFRESH_SECONDS:
            session[LAST_SEEN] = at
            session.set_expiry(idle_limit(session[KIND]))
        return self.get_response(request)
