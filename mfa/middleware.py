"""Nobody who must use a second factor sees a page before passing it.

Staff (a role, the staff flag or superuser) always; a patient who turned the second step on, from the sign-in
that the session flag marks (see services.remember_two_factor_at_login). An HTML request goes to set-up (no
confirmed device yet) or to the code page, with `next`; an API request gets 403 JSON. DRF token requests
are not seen here (their user is anonymous until DRF authenticates them): tokens are machine credentials,
issued only through the admin (itself behind the second step) or `manage.py drf_create_token` on the
server. See docs/two-factor.md.

Queries: for a verified session, django-otp's middleware loads the device named in the session (one query);
the staff check uses the roles that are loaded for every staff request anyway (cached on the user).
"""

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .services import TWO_FACTOR_REQUIRED_SESSION_KEY, has_confirmed_device, requires_two_factor


@cache
def _exempt_prefixes() -> tuple[str, ...]:
    """Pages a person who still owes the second step may open: the step itself, signing in and out."""
    names = [
        "mfa:mfa-setup",
        "mfa:mfa-verify",
        "mfa:mfa-portal-verify",
        "login",
        "logout",
        "portal:portal-login",
        "portal:portal-logout",
        "portal:portal-language",
    ]
    return (*(reverse(name) for name in names), "/i18n/", "/" + settings.STATIC_URL.lstrip("/"))


def _is_api(path: str) -> bool:
    return path.startswith("/api/") and not path.startswith("/api/docs/")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]
            return self.get_response(request)
        if request.path_info.startswith(_exempt_prefixes()):
            return self.get_response(request)
        if requires_two_factor(user):
            if _is_api(request.path_info):
                return JsonResponse(
                    {
                        "detail": _(
                            "Two-step sign-in is required: finish it in the browser (or use an API token) first."
                        )
                    },
                    status=403,
                )
            target = "mfa:mfa-verify" if has_confirmed_device(user) else "mfa:mfa-setup"
            return self._redirect(request, reverse(target))
        if request.session.get(TWO_FACTOR_REQUIRED_SESSION_KEY):
            if _is_api(request.path_info):
                return JsonResponse({"detail": _("Two-step sign-in is required.")}, status=403)
            return self._redirect(request, reverse("mfa:mfa-portal-verify"))
        return self.get_response(request)

    @staticmethod
    def _redirect(request: HttpRequest, url: str) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            # htmx would swap the set-up page into a fragment; make it load the whole page instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
