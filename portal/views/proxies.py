"""People who may help the patient with their bills: the list, a new grant, ending one."""

from auditlog.signals import accessed
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clinic_billing.exceptions import ApplicationError
from patients.models import AuthorisedProxy, Patient
from patients.proxies import authorised_proxy_revoke

from .. import services
from ..forms import ProxyGrantForm
from .acting import GET_AND_POST, page_context, patient_only, portal_login_required, signed_in_user


@portal_login_required
@require_GET
def proxies(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_only(request, patient_id)
    today = timezone.localdate()
    grants = list(AuthorisedProxy.objects.filter(patient=patient).order_by("-revoked_at", "name", "id"))
    active = [grant for grant in grants if grant.is_active_on(today)]
    ended = [grant for grant in grants if not grant.is_active_on(today)]
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/proxies/list.html", page_context(patient, request, active=active, ended=ended))


@portal_login_required
@GET_AND_POST
def proxy_grant(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_only(request, patient_id)
    form = ProxyGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.proxy_grant(
                patient_id=patient.pk,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                relationship=form.cleaned_data["relationship"],
                valid_to=form.cleaned_data["valid_to"],
                by=signed_in_user(request),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request,
                _(
                    "We have sent an invitation to %(email)s. When %(name)s opens the link and chooses a password, "
                    "they can see your bills and talk to us about them. You can stop this at any time on this page."
                )
                % {"email": grant.email, "name": grant.name},
            )
            return redirect("portal:portal-proxies", patient_id=patient.pk)
    return render(request, "portal/proxies/grant.html", page_context(patient, request, form=form))


@portal_login_required
@GET_AND_POST
def proxy_revoke(request: HttpRequest, patient_id: int, proxy_id: int) -> HttpResponse:
    """Ask first, then end the grant at once."""
    patient = patient_only(request, patient_id)
    grant = AuthorisedProxy.objects.filter(pk=proxy_id, patient=patient, revoked_at__isnull=True).first()
    if grant is None:
        raise Http404
    if request.method == "POST":
        authorised_proxy_revoke(patient_id=patient.pk, proxy_id=grant.pk)
        messages.success(request, _("%(name)s can no longer see your bills or speak for you.") % {"name": grant.name})
        return redirect("portal:portal-proxies", patient_id=patient.pk)
    return render(request, "portal/proxies/revoke.html", page_context(patient, request, grant=grant))


urlpatterns = [
    path("<int:patient_id>/proxies/", proxies, name="portal-proxies"),
    path("<int:patient_id>/proxies/new/", proxy_grant, name="portal-proxy-grant"),
    path("<int:patient_id>/proxies/<int:proxy_id>/revoke/", proxy_revoke, name="portal-proxy-revoke"),
]
