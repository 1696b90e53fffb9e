"""Authorised proxies (fullmakt) at the desk: register one with its signed document, revoke it, and open the
document. The document is kept in private storage and served only here, to staff who may see proxies."""

from auditlog.signals import accessed
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only
from frontdesk.views.patients import _get_patient_for_user, account_header
from patients.forms import ProxyForm
from patients.models import AuthorisedProxy, Patient
from patients.proxies import authorised_proxy_create, authorised_proxy_revoke, document_content_type


@staff_only
def proxy_new(request: StaffRequest, patient_id: int) -> HttpResponse:
    require_perm(request, "patients.add_authorisedproxy")
    patient = _get_patient_for_user(request, patient_id)
    if request.method == "POST":
        form = ProxyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                proxy = authorised_proxy_create(patient_id=patient.pk, by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                messages.success(request, _("%(name)s may now speak for the patient.") % {"name": proxy.name})
                return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    else:
        form = ProxyForm(initial={"valid_from": timezone.localdate()})
    return render(request, "staff/patients/proxy_new.html", {**account_header(request, patient), "form": form})


@staff_only
@require_POST
def proxy_revoke(request: StaffRequest, patient_id: int, proxy_id: int) -> HttpResponse:
    patient = _get_patient_for_user(request, patient_id)

    def revoke() -> str:
        proxy = authorised_proxy_revoke(patient_id=patient.pk, proxy_id=proxy_id, by=request.user)
        return _("%(name)s may no longer speak for the patient.") % {"name": proxy.name}

    return run_staff_action(
        request,
        perm="patients.change_authorisedproxy",
        action=revoke,
        then=redirect("frontdesk:patient-detail", patient_id=patient.pk).url,
    )


@staff_only
@require_GET
def proxy_document(request: StaffRequest, patient_id: int, proxy_id: int) -> HttpResponse:
    """The signed authorisation as uploaded, to staff only (the portal never serves it)."""
    require_perm(request, "patients.view_authorisedproxy")
    proxy = get_object_or_404(AuthorisedProxy, pk=proxy_id, patient_id=patient_id)
    if not proxy.document:
        raise Http404
    accessed.send(sender=Patient, instance=proxy.patient)
    with proxy.document.open("rb") as document:
        content = document.read()
    # The type comes from the file's first bytes (checked on upload), never from the name it was sent with. A
    # document is at most 10 MB (patients.proxies), so it is read whole.
    response = HttpResponse(content, content_type=document_content_type(content[:8]))
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
