"""Staff screens for patients: search, registering a patient, the patient's account (with the caller check that
guards it, and the timeline), contact details, coverage and notes."""

from datetime import datetime, timedelta

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
from frontdesk.timeline import EventKind, patient_timeline
from invoices import selectors as invoice_selectors
from invoices.quick_services import quick_services
from patient_collections.selectors import payment_promise_running
from patients import services
from patients.forms import CallerForm, ContactForm, CoverageForm, NoteForm, PatientForm
from patients.models import CallerCheck, Patient
from patients.selectors import email_change_unconfirmed, patient_likely_duplicates

# How long an identified caller stays identified on this browser: about one conversation (the staff idle limit
# signs staff out after longer anyway).
CALLER_CHECK_MINUTES = 10


def _get_patient_for_user(request: StaffRequest, patient_id: int) -> Patient:
    require_perm(request, "patients.view_patient")
    return get_object_or_404(Patient.objects.prefetch_related("coverages", "proxies"), pk=patient_id)


def _caller_session_key(patient_id: int) -> str:
    return f"frontdesk.caller.{patient_id}"


def identified_caller(request: StaffRequest, patient_id: int) -> dict[str, object] | None:
    """The caller this staff member identified on the patient's account in the last CALLER_CHECK_MINUTES, as the
    session remembers it ({"caller", "name", "allowed", "at"}), or None."""
    check = request.session.get(_caller_session_key(patient_id))
    if not isinstance(check, dict):
        return None
    at = datetime.fromisoformat(str(check.get("at")))
    if timezone.now() - at > timedelta(minutes=CALLER_CHECK_MINUTES):
        return None
    return check


def account_header(request: StaffRequest, patient: Patient) -> dict[str, object]:
    """What the account header of one of the account's pages shows: the balance only once the caller is
    identified as the patient or an authorised proxy (or staff work without a caller)."""
    accessed.send(sender=Patient, instance=patient)
    caller = identified_caller(request, patient.pk)
    return {**account_summary(patient), "caller": caller, "balance_hidden": not (caller and caller["allowed"])}


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
def patient_new(request: StaffRequest) -> HttpResponse:
    """Register a patient. Someone born the same day with a matching name is shown first: staff open that
    account, or confirm that this is a new patient."""
    require_perm(request, "patients.add_patient")
    duplicates: list[Patient] = []
    if request.method == "POST":
        form = PatientForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            duplicates = patient_likely_duplicates(name=data["name"], date_of_birth=data["date_of_birth"])
            log_bulk_reads(duplicates)
            if not duplicates or data["confirm_new"]:
                try:
                    patient = services.patient_register(
                        name=data["name"],
                        date_of_birth=data["date_of_birth"],
                        contact=form.contact_details(),
                        coverage=services.CoverageDetails(
                            kind=data["coverage_kind"],
                            payer_name=data["payer_name"],
                            member_number=data["member_number"],
                            valid_from=timezone.localdate(),
                        )
                        if data["coverage_kind"]
                        else None,
                        by=request.user,
                    )
                except ApplicationError as exc:
                    form.add_application_error(exc)
                else:
                    messages.success(request, _("%(name)s is registered.") % {"name": patient.name})
                    return redirect("frontdesk:patient-detail", patient_id=patient.pk)
            else:
                # Posting the same form again with this set registers the patient after all.
                confirmed = request.POST.copy()
                confirmed["confirm_new"] = "on"
                form = PatientForm(confirmed)
                form.is_valid()
    else:
        form = PatientForm(initial={"language": Patient._meta.get_field("language").default})
    return render(request, "staff/patients/patient_new.html", {"form": form, "duplicates": duplicates})


@staff_only
@require_GET
def account(request: StaffRequest, patient_id: int) -> HttpResponse:
    """The patient's account. The balance, invoices and timeline show once staff said who they are speaking
    with (the patient, an authorised proxy, or nobody: back-office work); never to someone else."""
    patient = _get_patient_for_user(request, patient_id)
    today = timezone.localdate()
    caller = identified_caller(request, patient.pk)
    open_to_caller = bool(caller and caller["allowed"])
    kinds = {EventKind(kind) for kind in request.GET.getlist("kind") if kind in EventKind.values}
    timeline = patient_timeline(patient_id=patient.pk, kinds=kinds) if open_to_caller else []
    if request.htmx and request.GET.get("timeline"):  # type: ignore[attr-defined]
        accessed.send(sender=Patient, instance=patient)
        response = render(
            request, "staff/patients/_timeline.html", {"patient": patient, "timeline": timeline, "kinds": kinds}
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    proxies = [(proxy, proxy.is_active_on(today)) for proxy in patient.proxies.all()]
    context = {
        **account_header(request, patient),
        "caller_form": CallerForm(proxies=[proxy for proxy, _active in proxies]),
        "coverages": [(coverage, coverage.is_valid_on(today)) for coverage in patient.coverages.all()],
        "proxies": proxies,
        "email_change": email_change_unconfirmed(patient_id=patient.pk),
        "event_kinds": EventKind.choices,
        "kinds": kinds,
        "timeline": timeline,
    }
    if open_to_caller:
        context |= {
            "invoices": invoice_selectors.invoices_for_patient(patient_id=patient.pk),
            "promise": payment_promise_running(patient_id=patient.pk, today=today),
            "quick_services": quick_services(),
            "note_form": NoteForm(),
        }
    response = render(request, "staff/patients/account.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_only
@require_POST
def caller_identify(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Record who is on the line or at the desk. The patient or a proxy authorised today opens the account for
    this conversation; anyone else is logged as a refused third-party contact and hears nothing."""
    require_perm(request, "patients.add_callercheck")
    patient = _get_patient_for_user(request, patient_id)
    form = CallerForm(request.POST, proxies=list(patient.proxies.all()))
    if not form.is_valid():
        messages.error(request, _("Choose who is calling."))
        return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    data = form.cleaned_data
    try:
        check = services.caller_check_record(
            patient_id=patient.pk,
            caller=data["caller"],
            contact=data["contact"] or CallerCheck.Contact.PHONE,
            proxy_id=data["proxy"],
            caller_name=data["caller_name"],
            note=data["note"],
            by=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    request.session[_caller_session_key(patient.pk)] = {
        "caller": check.caller,
        "name": check.caller_name,
        "allowed": check.allowed,
        "at": check.checked_at.isoformat(),
    }
    if not check.allowed:
        messages.warning(request, _("Share nothing with this caller. The contact is logged on the timeline."))
    return redirect("frontdesk:patient-detail", patient_id=patient.pk)


@staff_only
@require_POST
def caller_forget(request: StaffRequest, patient_id: int) -> HttpResponse:
    """The conversation is over: hide the account again until the next caller is identified."""
    require_perm(request, "patients.view_patient")
    request.session.pop(_caller_session_key(patient_id), None)
    return redirect("frontdesk:patient-detail", patient_id=patient_id)


@staff_only
@require_POST
def note_add(request: StaffRequest, patient_id: int) -> HttpResponse:
    require_perm(request, "patients.add_patientnote")
    patient = _get_patient_for_user(request, patient_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.patient_note_add(patient_id=patient.pk, text=form.cleaned_data["text"], by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Note saved."))
    else:
        messages.error(request, _("Write the note first."))
    return redirect("frontdesk:patient-detail", patient_id=patient.pk)


@staff_only
def coverage_add(request: StaffRequest, patient_id: int) -> HttpResponse:
    require_perm(request, "patients.add_coverage")
    patient = _get_patient_for_user(request, patient_id)
    if request.method == "POST":
        form = CoverageForm(request.POST)
        if form.is_valid():
            try:
                services.coverage_add(patient_id=patient.pk, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                messages.success(request, _("Coverage saved."))
                return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    else:
        form = CoverageForm(initial={"valid_from": timezone.localdate()})
    return render(request, "staff/patients/coverage_add.html", {**account_header(request, patient), "form": form})


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
    return render(request, "staff/patients/contact_edit.html", {**account_header(request, patient), "form": form})


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
