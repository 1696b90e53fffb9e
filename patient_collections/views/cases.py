"""Collection cases: the list, a case with its decision, the tvistevarsel, its PDFs and the agency's export."""

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from disputes.interface import (
    AdjustmentRequest,
    account_summary,
    adjustment_request_refusal,
    case_credit_requests,
    invoice_ids_disputed,
)
from invoices.models import Invoice
from invoices.templatetags.money import local_date

from .. import letters
from .. import services as collection_services
from ..forms import CaseDecisionForm, CaseFilterForm
from ..models import CollectionCase, Reminder
from . import PAGE_SIZE, VIEW_CASE, pdf_response

DECIDE_CASE = "patient_collections.decide_collection_case"
# The office manager's buttons on a proposed case, in the order they are offered.
DECISION_BUTTONS = (
    (CollectionCase.Status.CREDITED, gettext_lazy("Credit the claim (a colleague approves)")),
    (CollectionCase.Status.AGENCY, gettext_lazy("Send to collection agency")),
    (CollectionCase.Status.CONCILIATION, gettext_lazy("Conciliation board")),
    (CollectionCase.Status.WITHDRAWN, gettext_lazy("Withdraw")),
)


def _cases() -> QuerySet[CollectionCase]:
    """Cases with invoice, patient and decider, whether a complaint is open, and how many notices went out."""
    return CollectionCase.objects.select_related("invoice__patient", "decided_by").annotate(
        disputed=ExpressionWrapper(Q(invoice_id__in=invoice_ids_disputed()), output_field=BooleanField()),
        notices_sent=Count("invoice__reminders", filter=Q(invoice__reminders__status=Reminder.Status.SENT)),
    )


def _require_case_access(request: StaffRequest) -> None:
    """Billing and the office manager see cases; a provider sees them to decide credit or conciliation."""
    if not (request.user.has_perm(VIEW_CASE) or request.user.has_perm(DECIDE_CASE)):
        raise PermissionDenied


def _case_for_user(request: StaffRequest, case_id: int) -> CollectionCase:
    _require_case_access(request)
    case = _cases().filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


@staff_only
@require_GET
def case_list(request: StaffRequest) -> HttpResponse:
    _require_case_access(request)
    filters = CaseFilterForm({"status": request.GET.get("status", CollectionCase.Status.PROPOSED)})
    status = filters.cleaned_data["status"] if filters.is_valid() else CollectionCase.Status.PROPOSED
    cases = _cases().order_by("proposed_at", "id")
    if status:
        cases = cases.filter(status=status)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    log_bulk_reads(case.invoice for case in page)
    context = {"page": page, "cases": list(page), "filters": filters, "status": status}
    return render(request, "staff/collections/case_list.html", context)


@staff_only
@require_GET
def case_detail(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case_for_user(request, case_id)
    accessed.send(sender=Invoice, instance=case.invoice)
    sent = Reminder.objects.filter(invoice_id=case.invoice_id, status=Reminder.Status.SENT).order_by("step")
    notices = list(sent)
    tvistevarsel = case.conciliation_notices.order_by("-sent_on", "-id").first()
    credit_requests = case_credit_requests(case_ids=[case.pk])[case.pk]
    credit_pending = next((r for r in credit_requests if r.status == AdjustmentRequest.Status.PENDING), None)
    context = {
        **account_summary(case.invoice.patient),
        "case": case,
        "invoice": case.invoice,
        "notices": notices,
        # Only the decisions this user may take (the provider: credit or conciliation board).
        "decisions": [
            (value, label)
            for value, label in DECISION_BUTTONS
            if collection_services.case_decider_refusal(request.user, value) is None
        ],
        "case_open": collection_services.case_is_open(case),
        "credit_requests": credit_requests,
        "credit_pending": credit_pending,
        # Approve and Reject only for who may decide the credit (the service's own check); the reason otherwise.
        "credit_refusal": adjustment_request_refusal(request.user, credit_pending) if credit_pending else None,
        "tvistevarsel": tvistevarsel,
        "conciliation_allowed": tvistevarsel is not None and timezone.localdate() > tvistevarsel.answer_by,
    }
    return render(request, "staff/collections/case_detail.html", context)


@staff_only
@require_POST
def case_decide(request: StaffRequest, case_id: int) -> HttpResponse:
    """The office manager's decision; a refusal (a disputed claim to an agency, a case decided twice) is a message."""
    require_perm(request, "patient_collections.decide_collection_case")
    form = CaseDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose credit, agency, conciliation board or withdraw."))
        return redirect("collections:case-detail", case_id=case_id)
    try:
        case = collection_services.collection_case_decide(
            case_id=case_id, decision=form.cleaned_data["decision"], note=form.cleaned_data["note"], by=request.user
        )
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if case.status == CollectionCase.Status.CREDIT_PENDING:
            messages.success(request, _("Credit requested: a colleague must approve it before the claim is credited."))
        else:
            messages.success(request, _("Case decided: %(status)s.") % {"status": case.get_status_display()})
    return redirect("collections:case-detail", case_id=case_id)


@staff_only
@require_POST
def case_conciliation_notice_sent(request: StaffRequest, case_id: int) -> HttpResponse:
    """Record that the printed tvistevarsel went out today: its 14-day deadline starts."""
    require_perm(request, DECIDE_CASE)
    try:
        notice = collection_services.conciliation_notice_record(case_id=case_id, by=request.user)
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Pre-litigation notice recorded as sent; the patient has until %(day)s.")
            % {"day": local_date(notice.answer_by)},
        )
    return redirect("collections:case-detail", case_id=case_id)


@staff_only
@require_GET
def case_conciliation_notice(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case_for_user(request, case_id)
    accessed.send(sender=Invoice, instance=case.invoice)
    filename = f"conciliation-notice-case-{case.pk}.pdf"
    return pdf_response(letters.conciliation_notice_pdf(case), filename)


@staff_only
@require_GET
def case_summary(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case_for_user(request, case_id)
    accessed.send(sender=Invoice, instance=case.invoice)
    return pdf_response(letters.case_summary_pdf(case), f"case-{case.pk}-summary.pdf")


@staff_only
@require_GET
def case_agency_export(request: StaffRequest) -> HttpResponse:
    """The collection agency's CSV: the cases sent to the agency (or, with ?status=, the cases in that status)."""
    require_perm(request, VIEW_CASE)
    filters = CaseFilterForm({"status": request.GET.get("status", CollectionCase.Status.AGENCY)})
    if not filters.is_valid():
        return HttpResponseBadRequest(_("Unknown case status."), content_type="text/plain; charset=utf-8")
    cases: QuerySet[CollectionCase] = CollectionCase.objects.all()
    if filters.cleaned_data["status"] == CollectionCase.Status.AGENCY:
        cases = letters.agency_cases()  # with the recall lines of cases taken back from the agency
    elif filters.cleaned_data["status"]:
        cases = cases.filter(status=filters.cleaned_data["status"])
    response = HttpResponse(letters.agency_export_csv(cases), content_type="text/csv; charset=utf-8")
    # The file names each patient, their address and claim: one audit row per exported case's invoice.
    log_bulk_reads(Invoice.objects.filter(pk__in=cases.values("invoice_id")))
    filename = f"collection-cases-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response
