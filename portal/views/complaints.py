"""Tell us what is wrong with a bill: the complaint, its confirmation, the list, one complaint and its
resolution letter."""

from auditlog.signals import accessed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound
from disputes.letters import resolution_letter_pdf
from disputes.models import Complaint
from disputes.services import complaint_file
from invoices.models import Invoice, InvoiceLine
from invoices.templatetags.money import local_date
from patients.models import Patient

from ..access import invoice_for_portal, patient_for_portal
from ..forms import DisputeForm
from .acting import GET_AND_POST, page_context, portal_login_required, proxy_acting, signed_in_user, who_contacts

STATUS_WORDS: dict[str, str | Promise] = {
    Complaint.Status.OPEN: gettext_lazy("We are looking at it"),
    Complaint.Status.MET: gettext_lazy("We have talked with you and are sorting it out"),
    Complaint.Status.ESCALATED: gettext_lazy("The office manager is looking at it"),
    Complaint.Status.CLOSED: gettext_lazy("Finished"),
}


def _complaint_of(patient: Patient, complaint_id: int) -> Complaint:
    complaint = (
        Complaint.objects.select_related("invoice", "decision")
        .prefetch_related("lines")
        .filter(pk=complaint_id, patient=patient)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def _lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.order_by("position", "id"))


@portal_login_required
@GET_AND_POST
def dispute(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    """Tell us what is wrong with a bill: which lines, what about, in the patient's own words."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    patient = invoice.patient
    proxy = proxy_acting(request, patient)
    lines = _lines(invoice)
    form = DisputeForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = complaint_file(
                patient_id=patient.pk,
                invoice_id=invoice.pk,
                line_ids=form.line_ids(),
                channel="portal",
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
                proxy_id=proxy.pk if proxy else None,
                by=signed_in_user(request),
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return redirect("portal:portal-dispute-sent", patient_id=patient.pk, complaint_id=complaint.pk)
    accessed.send(sender=Invoice, instance=invoice)
    return render(request, "portal/requests/dispute.html", page_context(patient, request, invoice=invoice, form=form))


def _next_steps(complaint: Complaint) -> dict[str, object]:
    """What happens next, for the patient: who contacts them and by when; never the staff script."""
    due = timezone.localtime(complaint.meeting_due_at)
    return {
        "who": who_contacts(complaint.route_to),
        "due_date": local_date(due.date()),
        "due_time": due.strftime("%H:%M"),
        "due_today": due.date() == timezone.localdate(),
        "status_words": STATUS_WORDS[Complaint.Status(complaint.status)],
    }


@portal_login_required
@require_GET
def dispute_sent(request: HttpRequest, patient_id: int, complaint_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    complaint = _complaint_of(patient, complaint_id)
    accessed.send(sender=Complaint, instance=complaint)
    context = page_context(patient, request, complaint=complaint, **_next_steps(complaint))
    return render(request, "portal/requests/dispute_sent.html", context)


@portal_login_required
@require_GET
def complaint_list(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    complaints = list(Complaint.objects.filter(patient=patient).select_related("invoice").order_by("-received_at"))
    rows = [(complaint, STATUS_WORDS[Complaint.Status(complaint.status)]) for complaint in complaints]
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/requests/complaint_list.html", page_context(patient, request, rows=rows))


@portal_login_required
@require_GET
def complaint_detail(request: HttpRequest, patient_id: int, complaint_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    complaint = _complaint_of(patient, complaint_id)
    accessed.send(sender=Complaint, instance=complaint)
    context = page_context(
        patient, request, complaint=complaint, lines=list(complaint.lines.all()), **_next_steps(complaint)
    )
    return render(request, "portal/requests/complaint_detail.html", context)


@portal_login_required
@require_GET
def complaint_letter(request: HttpRequest, patient_id: int, complaint_id: int) -> HttpResponse:
    """The resolution letter of a closed complaint; a complaint still open has no letter (404)."""
    patient = patient_for_portal(request, patient_id)
    complaint = _complaint_of(patient, complaint_id)
    try:
        pdf = resolution_letter_pdf(complaint)
    except InvalidTransition as exc:
        raise Http404 from exc
    accessed.send(sender=Complaint, instance=complaint)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{complaint.invoice.number}.pdf"'
    return response


urlpatterns = [
    path("<int:patient_id>/bills/<int:invoice_id>/dispute/", dispute, name="portal-dispute"),
    path("<int:patient_id>/complaints/", complaint_list, name="portal-complaints"),
    path("<int:patient_id>/complaints/<int:complaint_id>/", complaint_detail, name="portal-complaint"),
    path("<int:patient_id>/complaints/<int:complaint_id>/sent/", dispute_sent, name="portal-dispute-sent"),
    path("<int:patient_id>/complaints/<int:complaint_id>/letter/", complaint_letter, name="portal-complaint-letter"),
]
