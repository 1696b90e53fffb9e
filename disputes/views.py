"""Staff screens for complaints: intake, the decision page, the open complaints and the approval queue."""

from collections.abc import Callable

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound, PermissionDenied
from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only, user_roles
from disputes.selectors import account_summary
from invoices import selectors as invoice_selectors
from invoices.models import Invoice
from invoices.templatetags.money import money
from patients.models import AuthorisedProxy, Patient

from . import permissions, selectors, services
from .forms import SOMEONE_ELSE, CloseForm, ComplaintForm
from .letters import resolution_letter_pdf, resolution_letter_preview, resolution_text_default
from .models import AdjustmentRequest, Complaint

PAGE_SIZE = 25
MINE = "mine"
ALL = "all"


def _complaint_for_page(complaint_id: int) -> Complaint:
    complaint = selectors.complaint_detail(complaint_id=complaint_id)
    if complaint is None:
        raise Http404
    return complaint


# --- Intake ------------------------------------------------------------------------------------------


def _patient_from_query(request: StaffRequest) -> Patient:
    patient_id = request.GET.get("patient", "")
    if not patient_id.isdigit():
        raise Http404
    return get_object_or_404(Patient.objects.prefetch_related("proxies"), pk=int(patient_id))


def _issued_invoices(patient: Patient) -> list[Invoice]:
    return list(
        invoice_selectors.invoices_for_patient(patient_id=patient.pk).filter(status__in=Invoice.BOOKED_STATUSES)
    )


def _chosen(invoices: list[Invoice], value: str | None) -> Invoice | None:
    if len(invoices) == 1 and not value:
        return invoices[0]
    return next((invoice for invoice in invoices if str(invoice.pk) == value), None)


def _someone_else_message(patient_id: int) -> str:
    """The service's own refusal for a caller nobody authorised: the desk reads it out as it stands."""
    try:
        services.proxy_check(patient_id=patient_id, proxy_id=0)
    except PermissionDenied as exc:
        return exc.message
    return ""


@staff_only
def complaint_new(request: StaffRequest) -> HttpResponse:
    require_perm(request, "disputes.add_complaint")
    patient = _patient_from_query(request)
    today = timezone.localdate()
    proxies: list[AuthorisedProxy] = [proxy for proxy in patient.proxies.all() if proxy.is_active_on(today)]
    invoices = _issued_invoices(patient)

    def intake_form(data: object = None, initial: dict[str, object] | None = None) -> ComplaintForm:
        return ComplaintForm(data, initial=initial, patient_id=patient.pk, proxies=proxies, invoices=invoices)

    someone_else_message = _someone_else_message(patient.pk)
    stopped = False
    if request.method == "POST" and request.POST.get("speaker") == SOMEONE_ELSE:
        # Nothing is filed and nothing is checked: the caller hears the authorisation message and no more.
        stopped = True
        invoice = _chosen(invoices, request.POST.get("invoice"))
        kept = {name: request.POST.get(name, "") for name in ComplaintForm.base_fields}
        form = intake_form(initial={**kept, "lines": request.POST.getlist("lines")})
    elif request.method == "POST":
        form = intake_form(request.POST)
        invoice = _chosen(invoices, request.POST.get("invoice"))
        if form.is_valid():
            try:
                complaint = services.complaint_file(
                    patient_id=patient.pk,
                    invoice_id=form.cleaned_data["invoice"],
                    line_ids=form.cleaned_data["lines"],
                    channel=form.cleaned_data["channel"],
                    category=form.cleaned_data["category"],
                    description=form.cleaned_data["description"],
                    proxy_id=form.proxy_id(),
                    by=request.user,
                )
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                messages.success(request, _("Complaint logged. Tell the patient what happens next, as shown below."))
                return redirect("disputes:complaint-detail", complaint_id=complaint.pk)
    else:
        invoice = _chosen(invoices, request.GET.get("invoice"))
        form = intake_form(initial={"invoice": invoice.pk if invoice else None})
    chosen_lines = {str(value) for value in request.POST.getlist("lines")}
    context = {
        **account_summary(patient),
        "form": form,
        "invoices": invoices,
        "invoice": invoice,
        "lines": list(invoice.lines.order_by("position", "id")) if invoice else [],
        "chosen_lines": chosen_lines,
        "someone_else_message": someone_else_message,
        "stopped": stopped,
        "on_intake": True,
        # The intake asks who is speaking: the balance stays out of the header, so it is never on screen above
        # the "share nothing" warning for a caller who turns out to be someone else.
        "balance_hidden": True,
    }
    accessed.send(sender=Patient, instance=patient)
    return render(request, "staff/disputes/complaint_new.html", context)


@staff_only
@require_GET
def invoice_lines(request: StaffRequest) -> HttpResponse:
    """The line checkboxes of the invoice chosen on the intake form (htmx swaps them in)."""
    require_perm(request, "disputes.add_complaint")
    patient = _patient_from_query(request)
    invoice = _chosen(_issued_invoices(patient), request.GET.get("invoice"))
    lines = list(invoice.lines.order_by("position", "id")) if invoice else []
    if invoice is not None:
        accessed.send(sender=Invoice, instance=invoice)
    context: dict[str, object] = {"invoice": invoice, "lines": lines, "chosen_lines": set()}
    return render(request, "staff/disputes/_invoice_lines.html", context)


# --- One complaint -----------------------------------------------------------------------------------


def _status_label(status: str) -> str:
    return str(Complaint.Status(status).label) if status in Complaint.Status.values else status


def _detail_context(
    request: StaffRequest, complaint: Complaint, close_form: CloseForm | None = None, preview: str | None = None
) -> dict:
    decision = complaint.decision
    adjustments = list(complaint.adjustments.all())
    actions = permissions.complaint_actions(request.user, complaint)
    pending = [a for a in adjustments if a.status == AdjustmentRequest.Status.PENDING]
    settings = permissions.approval_settings() if pending else None
    # The letter's text starts from a suggestion in the patient's language (or the fallback, said on the form).
    suggestion = resolution_text_default(complaint) if complaint.is_open and actions.close else None
    if close_form is None:
        close_form = CloseForm(initial={"resolution_text": suggestion.value if suggestion else ""})
    # Written for the patient: the browser spell-checks it, and a screen reader reads it, in their language.
    close_form.fields["resolution_text"].widget.attrs["lang"] = complaint.patient.language
    return {
        **account_summary(complaint.patient),
        "open_complaint": complaint
        if complaint.is_open
        else selectors.open_complaint_for_patient(patient_id=complaint.patient_id),
        "complaint": complaint,
        "decision": decision,
        "deadline": selectors.deadline_of(complaint, timezone.now()),
        "moves_money": decision.proposal_kind in AdjustmentRequest.KIND_TO_ENTRY,
        "adjustments": adjustments,
        # Approve and Reject beside a pending request only for who may decide it (the service's own check).
        "decidable": {
            a.pk for a in pending if permissions.adjustment_request_can_approve(request.user, a, settings=settings)
        },
        "history": [
            (change, _status_label(change.from_status), _status_label(change.to_status))
            for change in complaint.status_changes.all()
        ],
        "adjustment_requested": any(a.status != AdjustmentRequest.Status.REJECTED for a in adjustments),
        "can_meet": actions.meet,
        "can_close": actions.close,
        "can_accept": request.user.has_perm("disputes.close_complaint"),
        "close_form": close_form,
        "resolution_suggestion": suggestion,
        "letter_preview": preview,
    }


@staff_only
@require_GET
def complaint_detail(request: StaffRequest, complaint_id: int) -> HttpResponse:
    require_perm(request, "disputes.view_complaint")
    complaint = _complaint_for_page(complaint_id)
    accessed.send(sender=Complaint, instance=complaint)
    return render(request, "staff/disputes/complaint_detail.html", _detail_context(request, complaint))


def _complaint_action(request: StaffRequest, complaint_id: int, perm: str, action: Callable[[], str]) -> HttpResponse:
    """Run one POST-only step and report its outcome as a message on the complaint page."""
    then = reverse("disputes:complaint-detail", kwargs={"complaint_id": complaint_id})
    return run_staff_action(request, perm=perm, action=action, then=then)


@staff_only
@require_POST
def complaint_met(request: StaffRequest, complaint_id: int) -> HttpResponse:
    def run() -> str:
        services.complaint_mark_met(complaint_id=complaint_id, by=request.user)
        return _("Meeting recorded: the deadline clock has stopped.")

    return _complaint_action(request, complaint_id, permissions.MEET_PERMISSION, run)


@staff_only
@require_POST
def complaint_accept(request: StaffRequest, complaint_id: int) -> HttpResponse:
    def run() -> str:
        adjustment = services.complaint_accept_proposal(complaint_id=complaint_id, by=request.user)
        return _("%(kind)s of %(amount)s sent for approval by: %(role)s.") % {
            "kind": adjustment.get_kind_display(),
            "amount": money(adjustment.amount),
            "role": adjustment.get_required_role_display(),
        }

    return _complaint_action(request, complaint_id, "disputes.close_complaint", run)


PREVIEW, CONFIRM = "preview", "close"


@staff_only
@require_POST
def complaint_close(request: StaffRequest, complaint_id: int) -> HttpResponse:
    """Two steps: the letter's text is previewed as the patient will read it, then the complaint is closed."""
    complaint = _complaint_for_page(complaint_id)
    refusal = permissions.complaint_close_refusal(request.user, complaint, complaint.decision.proposal_kind)
    if refusal:
        raise DjangoPermissionDenied(refusal)
    form = CloseForm(request.POST)
    preview: str | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == CONFIRM:
                services.complaint_close(
                    complaint_id=complaint_id,
                    outcome=data["outcome"],
                    prevention_note=data["prevention_note"],
                    resolution_text=data["resolution_text"],
                    by=request.user,
                )
            else:
                services.complaint_close_check(
                    complaint=complaint,
                    outcome=data["outcome"],
                    prevention_note=data["prevention_note"],
                    by=request.user,
                )
                preview = resolution_letter_preview(
                    complaint, outcome=data["outcome"], resolution_text=data["resolution_text"], by=request.user
                )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            if preview is None:
                messages.success(request, _("Complaint closed. The follow-up call is on the calls list."))
                return redirect("disputes:complaint-detail", complaint_id=complaint_id)
    accessed.send(sender=Complaint, instance=complaint)
    context = _detail_context(request, complaint, form, preview)
    return render(request, "staff/disputes/complaint_detail.html", context)


@staff_only
@require_GET
def complaint_letter(request: StaffRequest, complaint_id: int) -> HttpResponse:
    require_perm(request, "disputes.view_complaint")
    complaint = get_object_or_404(Complaint, pk=complaint_id)
    try:
        pdf = resolution_letter_pdf(complaint)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
        return redirect("disputes:complaint-detail", complaint_id=complaint_id)
    accessed.send(sender=Complaint, instance=complaint)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"resolution-letter-{complaint.pk}.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    return response


# --- Lists -------------------------------------------------------------------------------------------


@staff_only
@require_GET
def complaint_list(request: StaffRequest) -> HttpResponse:
    require_perm(request, "disputes.view_complaint")
    roles = user_roles(request.user)
    show = ALL if request.GET.get("show") == ALL or not roles else MINE
    complaints = selectors.complaints_open(roles=roles if show == MINE else None)
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(complaint, selectors.deadline_of(complaint, now)) for complaint in page]
    log_bulk_reads(complaint for complaint, _deadline in rows)
    return render(request, "staff/disputes/complaint_list.html", {"page": page, "rows": rows, "show": show})


@staff_only
@require_GET
def adjustment_queue(request: StaffRequest) -> HttpResponse:
    """Pending requests; Approve and Reject only on the ones this user may decide, the reason on the others.

    Approvers by permission see every pending request; a deputy approver sees the queue only while some
    request is theirs to decide, and only those (permissions.approval_queue_for, as the API)."""
    settings = permissions.approval_settings()
    pending = permissions.approval_queue_for(request.user, selectors.adjustments_pending(), settings)
    if pending is None:
        raise DjangoPermissionDenied
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    log_bulk_reads(adjustment.invoice for adjustment in page)
    rows = [(a, permissions.adjustment_request_refusal(request.user, a, settings=settings)) for a in page]
    context = {"page": page, "adjustments": [a for a, _refusal in rows], "rows": rows}
    return render(request, "staff/disputes/adjustment_queue.html", context)


def adjustment_subject_url(adjustment: AdjustmentRequest) -> str:
    """The page of what the request was asked for on: its complaint, its collection case, or its invoice."""
    if adjustment.collection_case_id is not None:
        return reverse("collections:case-detail", kwargs={"case_id": adjustment.collection_case_id})
    if adjustment.complaint_id is None:
        return reverse("frontdesk:invoice-detail", kwargs={"invoice_id": adjustment.invoice_id})
    return reverse("disputes:complaint-detail", kwargs={"complaint_id": adjustment.complaint_id})


BACK_TO_SUBJECT = "subject"


def _adjustment_action(request: StaffRequest, adjustment_id: int, action: Callable[[], str]) -> HttpResponse:
    """Approve or reject from the queue, a complaint or a case; a refusal (own request, role, threshold) comes
    back as a message. Who may ask at all is permissions.adjustment_decider_check, as in the API.

    Back to the queue, or to the request's complaint or case when asked from there (`back=subject`) or when
    the user is a deputy approver: the queue closes to a deputy once nothing in it is theirs."""
    try:
        adjustment = permissions.adjustment_decider_check(request.user, adjustment_id)
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    deputy = not request.user.has_perm(permissions.APPROVE_PERMISSION)
    back_to_subject = deputy or request.POST.get("back") == BACK_TO_SUBJECT
    then = adjustment_subject_url(adjustment) if back_to_subject else reverse("disputes:adjustment-queue")
    perm = "disputes.view_complaint" if deputy else permissions.APPROVE_PERMISSION
    return run_staff_action(request, perm=perm, action=action, then=then)


@staff_only
@require_POST
def adjustment_approve(request: StaffRequest, adjustment_id: int) -> HttpResponse:
    def run() -> str:
        adjustment = services.adjustment_approve(
            adjustment_id=adjustment_id, by=request.user, note=request.POST.get("note", "")
        )
        return _("Approved: %(kind)s of %(amount)s posted to invoice %(number)s.") % {
            "kind": adjustment.get_kind_display(),
            "amount": money(adjustment.amount),
            "number": adjustment.invoice.number,
        }

    return _adjustment_action(request, adjustment_id, run)


@staff_only
@require_POST
def adjustment_reject(request: StaffRequest, adjustment_id: int) -> HttpResponse:
    def run() -> str:
        adjustment = services.adjustment_reject(
            adjustment_id=adjustment_id, by=request.user, note=request.POST.get("note", "")
        )
        if adjustment.collection_case_id is not None:
            return _("Rejected: nothing was posted. The collection case waits for a new decision.")
        return _("Rejected: nothing was posted. The complaint stays open.")

    return _adjustment_action(request, adjustment_id, run)
