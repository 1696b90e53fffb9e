"""Staff actions on a patient's portal access (the button sits on the staff account header)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from patients.models import Patient

from .invitations import invitation_create


@staff_only
@require_POST
def invite(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Email the patient an invitation to open a portal account, to the address on file."""
    require_perm(request, "patients.change_patient")
    patient = get_object_or_404(Patient, pk=patient_id)
    try:
        invitation, _token = invitation_create(patient_id=patient.pk, email=patient.email, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        days = settings.PORTAL_INVITATION_DAYS
        messages.success(
            request,
            ngettext(
                "Invitation to the portal sent to %(email)s. The link works for %(days)d day.",
                "Invitation to the portal sent to %(email)s. The link works for %(days)d days.",
                days,
            )
            % {"email": invitation.email, "days": days},
        )
    return redirect("frontdesk:patient-detail", patient_id=patient.pk)
