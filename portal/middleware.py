"""Portal sessions: patients are signed out after a spell of inactivity, and see pages in their language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from patients.roles import is_staff_member


class PortalSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not is_staff_member(user):
            # Sliding expiry: every request restarts the idle clock.
            request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)
            patient = getattr(user, "patient", None)
            if patient is not None and request.path.startswith("/portal/"):
                translation.activate(patient.language)
                request.LANGUAGE_CODE = patient.language
        return self.get_response(request)
