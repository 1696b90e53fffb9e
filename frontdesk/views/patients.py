"""Staff screens for patients: search, the patient's account and their contact details."""

from auditlog.signals import accessed
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from disputes.selectors import account_summary
from frontdesk import selectors
from invoices import selectors as invoice_selectors
from patients import services
from patients.forms import ContactForm
from patients.models import Patient
from patients.selectors import email_change_unconfirmed


def _get_patient_for_user(request: StaffRequest, patient_id: int) -> Patient:
    require_perm(request, "patients.view_patient")
    return get_object_or_404(Patient.objects.prefetch_related("coverages", "proxies"), pk=patient_id)


@staff_only
@require_GET
def search(request: StaffRequest) -> HttpResponse:
    require_perm(request, "patients.view_patient")
    # PostgreSQL refuses a NUL in a string literal (a 500); no name, number or reference contains one.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    patients = list(selectors.patient_search(query=query))
    log_bulk_reads(patients)
    if len(patients) == 1 and not request.htmx:  # type: ignore[attr-defined]
        return redirect("frontdesk:patient-detail", patient_id=patients[0].pk)
    template = "staff/patients/_search_results.html" if request.htmx else "staff/patients/search.html"  # type: ignore[attr-defined]
    response = render(request, template, {"query": query, "patients": patients})
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_only
@require_GET
def account(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = _get_patient_for_user(request, patient_id)
    accessed.send(sender=Patient, instance=patient)
    today = timezone.localdate()
    context = {
        **account_summary(patient),
        "invoices": invoice_selectors.invoices_for_patient(patient_id=patient.pk),
        "ledger": invoice_selectors.ledger_for_patient(patient_id=patient.pk),
        "coverages": [(coverage, coverage.is_valid_on(today)) for coverage in patient.coverages.all()],
        "proxies": [(proxy, proxy.is_active_on(today)) for proxy in patient.proxies.all()],
        "email_change": email_change_unconfirmed(patient_id=patient.pk),
    }
    return render(request, "staff/patients/account.html", context)


@staff_only
def contact_edit(request: StaffRequest, patient_id: int) -> HttpResponse:
    require_perm(request, "patients.change_patient")
    patient = _get_patient_for_user(request, patient_id)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                services.patient_update_contact(patient_id=patient.pk, contact=form.contact_details(), by=request.user)
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                messages.success(request, _("Contact details saved."))
                return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    else:
        form = ContactForm(initial=ContactForm.initial_for(patient))
    accessed.send(sender=Patient, instance=patient)
    return render(request, "staff/patients/contact_edit.html", {**account_summary(patient), "form": form})


@staff_only
@require_POST
def contact_change_confirm(request: StaffRequest, patient_id: int, change_id: int) -> HttpResponse:
    """A second staff member confirms an email change with the patient, so invitations may go to it."""
    require_perm(request, "patients.change_patient")
    patient = _get_patient_for_user(request, patient_id)
    get_object_or_404(patient.contact_changes, pk=change_id)
    try:
        services.contact_change_confirm_by_staff(change_id=change_id, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The new email address is confirmed. Invitations may go to it now."))
    return redirect("frontdesk:patient-detail", patient_id=patient.pk)
