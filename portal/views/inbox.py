"""The messages the clinic sent the patient through the portal."""

from auditlog.signals import accessed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from clinic_billing.exceptions import NotFound
from patient_collections.models import PortalMessage
from patient_collections.portal_messages import portal_message_mark_read
from patients.models import Patient

from ..access import patient_for_portal
from .acting import page_context, portal_login_required


@portal_login_required
@require_GET
def message_list(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    inbox = list(PortalMessage.objects.filter(patient=patient).order_by("-created_at", "-id"))
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/messages/list.html", page_context(patient, request, inbox=inbox))


@portal_login_required
@require_GET
def message_detail(request: HttpRequest, patient_id: int, message_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    try:
        message = portal_message_mark_read(patient_id=patient.pk, message_id=message_id)
    except NotFound as exc:
        raise Http404 from exc
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/messages/detail.html", page_context(patient, request, message=message))


urlpatterns = [
    path("<int:patient_id>/messages/", message_list, name="portal-messages"),
    path("<int:patient_id>/messages/<int:message_id>/", message_detail, name="portal-message"),
]
