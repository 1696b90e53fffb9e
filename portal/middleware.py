"""Portal pages are shown in the signed-in patient's language.

Signing patients out after a spell of inactivity is the job of `clinic_billing.session_security`, which
moves the idle clock forward at most once a minute instead of saving the session on every request.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from clinic_billing.roles import is_staff_member


class PortalLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not is_staff_member(user):
            patient = getattr(user, "patient", None)
            if patient is not None and request.path.startswith("/portal/"):
                translation.activate(patient.language)
                request.LANGUAGE_CODE = patient.language
        return self.get_response(request)
