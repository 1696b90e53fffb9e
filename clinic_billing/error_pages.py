"""The 403, 404 and 500 pages: styled, with the staff menu (or the portal's, for patients) and a way back.

Django's handlers (`handler403`, `handler404`, `handler500` in clinic_billing/urls.py) render `403.html`,
`404.html` and `500.html`, which extend the base of the audience: staff screens for anyone who reaches them
(and for anonymous visitors outside the portal), the portal's for patients, proxies and /portal/ pages.
Under /api/ the answer stays JSON, as every other refusal of the API.
"""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions

from clinic_billing.roles import reaches_staff_screens

logger = logging.getLogger(__name__)

STAFF_BASE = "base_staff.html"
PORTAL_BASE = "portal/base.html"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _for_portal(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return not reaches_staff_screens(user)
    return request.path_info.startswith("/portal/")


def _context(request: HttpRequest) -> dict[str, object]:
    portal = _for_portal(request)
    return {
        "portal": portal,
        "base_template": PORTAL_BASE if portal else STAFF_BASE,
        "home_url": reverse("portal:portal-home") if portal else reverse("frontdesk:home"),
        "home_label": _("Back to your bills") if portal else _("Back to the worklist"),
    }


def _render(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    body = loader.get_template(template_name).render(_context(request), request)
    return HttpResponse(body, status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: what the person may not do here, and a way back."""
    if _is_api(request):
        return JsonResponse({"detail": str(exceptions.PermissionDenied.default_detail)}, status=403)
    return _render(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: nothing at this address (or nothing this person may see), and a way back."""
    if _is_api(request):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return _render(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: with the menu when the page can be drawn; when that fails too (the database is down), without it."""
    if _is_api(request):
        return JsonResponse({"detail": str(exceptions.APIException.default_detail)}, status=500)
    try:
        return _render(request, "500.html", 500)
    except Exception:
        logger.exception("The 500 page could not be drawn with the menu; answering without it.")
        bare = {"base_template": "errors/base_bare.html", "home_url": "/", "home_label": _("Back to the start")}
        body = loader.get_template("500.html").render(bare)
        return HttpResponse(body, status=500)
