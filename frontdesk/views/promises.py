"""A promise to pay, recorded at the desk or on the phone: it holds the patient's reminders until its date
(patient_collections.services.promises)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only
from frontdesk.views.patients import _get_patient_for_user, account_header
from invoices import selectors as invoice_selectors
from invoices.models import Invoice
from invoices.templatetags.money import local_date
from patient_collections import services as collection_services
from patient_collections.forms import PaymentPromiseForm


@staff_only
def promise_new(request: StaffRequest, patient_id: int) -> HttpResponse:
    require_perm(request, "patient_collections.add_paymentpromise")
    patient = _get_patient_for_user(request, patient_id)
    invoices = [
        (invoice.pk, invoice.number or "")
        for invoice in invoice_selectors.invoices_for_patient(patient_id=patient.pk).filter(
            status__in=Invoice.BOOKED_STATUSES
        )
    ]
    if request.method == "POST":
        form = PaymentPromiseForm(request.POST, invoices=invoices)
        if form.is_valid():
            try:
                promise = collection_services.payment_promise_record(
                    patient_id=patient.pk,
                    until=form.cleaned_data["until"],
                    amount=form.cleaned_data["amount"],
                    invoice_id=form.cleaned_data["invoice"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                messages.success(
                    request,
                    _("Promise to pay by %(day)s saved: no reminders before then.")
                    % {"day": local_date(promise.until)},
                )
                return redirect("frontdesk:patient-detail", patient_id=patient.pk)
    else:
        form = PaymentPromiseForm(invoices=invoices)
    return render(request, "staff/patients/promise_new.html", {**account_header(request, patient), "form": form})


@staff_only
@require_POST
def promise_withdraw(request: StaffRequest, patient_id: int, promise_id: int) -> HttpResponse:
    patient = _get_patient_for_user(request, patient_id)

    def withdraw() -> str:
        collection_services.payment_promise_withdraw(patient_id=patient.pk, promise_id=promise_id, by=request.user)
        return _("The promise is withdrawn: reminders resume at the next run.")

    return run_staff_action(
        request,
        perm="patient_collections.add_paymentpromise",
        action=withdraw,
        then=redirect("frontdesk:patient-detail", patient_id=patient.pk).url,
    )
