"""How the clinic contacts the patient."""

from auditlog.signals import accessed
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError
from patients.models import Patient
from patients.services import patient_update_contact

from ..access import acting_as_proxy, patient_for_portal
from ..forms import ContactForm
from .acting import GET_AND_POST, page_context, portal_login_required, signed_in_user


@portal_login_required
@GET_AND_POST
def contact(request: HttpRequest, patient_id: int) -> HttpResponse:
    """How the clinic contacts the patient. Only the patient changes it; a proxy sees it read-only."""
    patient = patient_for_portal(request, patient_id)
    accessed.send(sender=Patient, instance=patient)
    if acting_as_proxy(request, patient):
        status = 403 if request.method == "POST" else 200
        return render(request, "portal/contact/read_only.html", page_context(patient, request), status=status)
    form = ContactForm(request.POST or None, initial=ContactForm.initial_for(patient))
    if request.method == "POST" and form.is_valid():
        try:
            patient_update_contact(patient_id=patient.pk, contact=form.contact_details(), by=signed_in_user(request))
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request,
                _("Your contact details are saved. We will use them for everything we send you from now on."),
            )
            return redirect("portal:portal-contact", patient_id=patient.pk)
    return render(request, "portal/contact/edit.html", page_context(patient, request, form=form))


urlpatterns = [
    path("<int:patient_id>/contact/", contact, name="portal-contact"),
]
