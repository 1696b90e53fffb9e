"""The portal's front door: the accounts the signed-in person may see, and switching language."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.roles import is_staff_member
from patients.models import Language, Patient
from patients.services import patient_set_language

from ..access import accessible_patients

LANGUAGE_COOKIE = "django_language"


@require_GET
@login_required(login_url="portal:portal-login")
def home(request: HttpRequest) -> HttpResponse:
    """A patient with only their own account goes straight to their bills; a proxy chooses whose."""
    if is_staff_member(request.user):
        return redirect("frontdesk:home")
    patients = list(accessible_patients(request.user))
    if len(patients) == 1:
        return redirect("portal:portal-bills", patient_id=patients[0].pk)
    # A proxy's choice of whose bills to see names each patient.
    log_bulk_reads(patients)
    return render(request, "portal/home.html", {"patients": patients})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Change the portal's language; a signed-in patient keeps it for everything the clinic sends them."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/portal/"
    response = redirect(next_url)
    if language not in Language.values:
        return response
    patient = Patient.objects.filter(user_id=request.user.pk).first() if request.user.is_authenticated else None
    if patient is not None:
        patient_set_language(patient_id=patient.pk, language=language)
    translation.activate(language)
    response.set_cookie(LANGUAGE_COOKIE, language, samesite="Lax", secure=request.is_secure(), httponly=True)
    return response


urlpatterns = [
    path("", home, name="portal-home"),
    path("language/", switch_language, name="portal-language"),
]
