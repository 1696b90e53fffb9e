"""Your statement of account: every open bill, payment and credit over a period, as a PDF in the patient's
language. Only the patient or a proxy they authorised reaches it (anyone else: 404); every read is audited."""

from auditlog.signals import accessed
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic_billing.exceptions import ApplicationError
from invoices.pdf import statement_pdf_bytes
from invoices.statements import statement_period_asked
from patients.models import Patient

from ..access import patient_for_portal


@require_GET
@never_cache
@login_required(login_url="portal:portal-login")
def statement_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    """`from` and `to` (YYYY-MM-DD) choose the period; the year up to today by default."""
    patient = patient_for_portal(request, patient_id)
    try:
        start, end = statement_period_asked(request.GET)
        data = statement_pdf_bytes(patient=patient, start=start, end=end)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("portal:portal-bills", patient_id=patient.pk)
    accessed.send(sender=Patient, instance=patient)
    response = HttpResponse(data, content_type="application/pdf")
    filename = "statement.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response


urlpatterns = [path("<int:patient_id>/bills/statement/", statement_pdf, name="portal-statement")]
