"""Staff screens for collections: the follow-up calls worklist, payment plans and deferrals from the invoice page,
the reminder schedule, collection cases, the day's print batch and the aging report."""

from urllib.parse import urlencode

from auditlog.signals import accessed
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.forms import StaffForm
from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only
from disputes.interface import (
    AdjustmentRequest,
    account_summary,
    adjustment_request_refusal,
    case_credit_requests,
    invoice_ids_disputed,
)
from invoices.models import Invoice
from invoices.templatetags.money import local_date
from patients.models import Patient

from . import letters, permissions, schedule
from . import selectors as collection_selectors
from . import services as collection_services
from .forms import CaseDecisionForm, CaseFilterForm, DayForm, DeferralForm, PaymentPlanForm, step_formset
from .models import CollectionCase, FeeRate, FollowUpCall, Reminder, ReminderStep
from .services.schedule import EDIT_SCHEDULE, ScheduleInvalid, schedule_replace

PAGE_SIZE = 25
VIEW_CASE = "patient_collections.view_collectioncase"
DECIDE_CASE = "patient_collections.decide_collection_case"
VIEW_REMINDER = "patient_collections.view_reminder"
# Notices with an unknown outcome shown on the worklist: a handful at most, unless the mail relay is down.
UNCERTAIN_SHOWN = 50
# The office manager's buttons on a proposed case, in the order they are offered.
DECISION_BUTTONS = (
    (CollectionCase.Status.CREDITED, gettext_lazy("Credit the claim (a colleague approves)")),
    (CollectionCase.Status.AGENCY, gettext_lazy("Send to collection agency")),
    (CollectionCase.Status.CONCILIATION, gettext_lazy("Conciliation board")),
    (CollectionCase.Status.WITHDRAWN, gettext_lazy("Withdraw")),
)


@staff_only
@require_GET
def call_list(request: StaffRequest) -> HttpResponse:
    require_perm(request, "patient_collections.view_followupcall")
    page = Paginator(collection_selectors.follow_up_calls_due(), PAGE_SIZE).get_page(request.GET.get("page"))
    log_bulk_reads(call.patient for call in page)
    context = {
        "page": page,
        "calls": list(page),
        "due_before": collection_selectors.end_of_today(),
        "now": timezone.now(),
        # Each notice with the buttons this user may press on it (the service asks the same functions).
        "uncertain_notices": [
            (
                notice,
                permissions.reminder_confirm_sent_refusal(request.user, notice) is None,
                permissions.reminder_resend_refusal(request.user, notice) is None,
            )
            for notice in (
                collection_selectors.reminders_outcome_unknown()[:UNCERTAIN_SHOWN]
                if request.user.has_perm(VIEW_REMINDER)
                else []
            )
        ],
    }
    return render(request, "staff/collections/call_list.html", context)


@staff_only
@require_POST
def reminder_confirm_sent(request: StaffRequest, reminder_id: int) -> HttpResponse:
    """A notice whose outcome was unknown did reach the patient (the mail log, the SMS provider's report)."""

    def confirm() -> str:
        collection_services.reminder_confirm_sent(reminder_id=reminder_id, by=request.user)
        return _("The notice is recorded as sent.")

    return run_staff_action(request, perm=permissions.SETTLE_NOTICE_PERMISSION, action=confirm, then="call-list")


@staff_only
@require_POST
def reminder_resend(request: StaffRequest, reminder_id: int) -> HttpResponse:
    """A notice whose outcome was unknown did not reach the patient: send it again."""

    def resend() -> str:
        collection_services.reminder_resend(reminder_id=reminder_id, by=request.user)
        return _("The notice will be sent again.")

    return run_staff_action(request, perm=permissions.SETTLE_NOTICE_PERMISSION, action=resend, then="call-list")


@staff_only
@require_POST
def call_outcome(request: StaffRequest, call_id: int) -> HttpResponse:
    """Record one attempt. htmx gets the row back, recorded (or rescheduled after no answer)."""
    require_perm(request, "patient_collections.change_followupcall")
    outcome = request.POST.get("outcome", "")
    error = recorded = ""
    try:
        call = collection_services.follow_up_call_record_outcome(
            call_id=call_id, outcome=outcome, note=request.POST.get("note", ""), by=request.user
        )
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        error = exc.message
    else:
        recorded = _("Call recorded: %(outcome)s.") % {"outcome": call.get_outcome_display()}
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, recorded)
        return redirect("call-list")
    call = get_object_or_404(FollowUpCall.objects.select_related("patient", "invoice", "complaint"), pk=call_id)
    context = {
        "call": call,
        "error": error,
        "recorded": recorded,
        "due_before": collection_selectors.end_of_today(),
        "now": timezone.now(),
    }
    response = render(request, "staff/collections/_call_row.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The invoice page's forms: a payment plan, a deferral, the letters --------------------------------------


def _invoice_for_form(request: StaffRequest, invoice_id: int) -> Invoice:
    require_perm(request, "invoices.view_invoice")
    return get_object_or_404(Invoice.objects.select_related("patient"), pk=invoice_id)


def _invoice_form_page(
    request: StaffRequest, invoice: Invoice, template: str, form: StaffForm, refusal: str | None
) -> HttpResponse:
    """The plan or deferral page; with `refusal` (the plan that holds the invoice is not this user's to replace)
    it says why instead of showing a form that would be refused."""
    accessed.send(sender=Invoice, instance=invoice)
    context = {**account_summary(invoice.patient), "invoice": invoice, "form": form, "refusal": refusal}
    return render(request, template, context)


@staff_only
def payment_plan_new(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Set up a payment plan. The invoice page posts here; a refusal shows this page with the input kept."""
    require_perm(request, "patient_collections.add_paymentplan")
    invoice = _invoice_for_form(request, invoice_id)
    current = collection_selectors.invoice_active_arrangement(invoice_id=invoice.pk, today=timezone.localdate())
    refusal = permissions.arrangement_replace_refusal(request.user, current)
    form = PaymentPlanForm(request.POST if request.method == "POST" else None, current=None if refusal else current)
    if request.method == "POST" and refusal is None and form.is_valid():
        data = form.cleaned_data
        try:
            plan = collection_services.payment_plan_create(
                invoice_id=invoice.pk,
                instalments=data["instalments"],
                monthly_amount=data["monthly_amount"],
                first_due=data["first_due"],
                replace_arrangement=data.get("replace_arrangement", False),
                by=request.user,
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            count = plan.instalments.count()
            messages.success(
                request,
                ngettext(
                    "Payment plan set up: %(count)s instalment, reminders wait while it is kept.",
                    "Payment plan set up: %(count)s instalments, reminders wait while it is kept.",
                    count,
                )
                % {"count": count},
            )
            return redirect("invoice-detail", invoice_id=invoice.pk)
    return _invoice_form_page(request, invoice, "staff/collections/payment_plan_form.html", form, refusal)


@staff_only
def deferral_new(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """Defer collection of an invoice. The invoice page posts here; a refusal shows this page with the input kept."""
    require_perm(request, "patient_collections.add_deferral")
    invoice = _invoice_for_form(request, invoice_id)
    current = collection_selectors.invoice_active_arrangement(invoice_id=invoice.pk, today=timezone.localdate())
    refusal = permissions.arrangement_replace_refusal(request.user, current)
    form = DeferralForm(request.POST if request.method == "POST" else None, current=None if refusal else current)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            deferral = collection_services.deferral_create(
                invoice_id=invoice.pk,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                replace_arrangement=form.cleaned_data.get("replace_arrangement", False),
                by=request.user,
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, _("Collection deferred until %(day)s.") % {"day": local_date(deferral.until)})
            return redirect("invoice-detail", invoice_id=invoice.pk)
    return _invoice_form_page(request, invoice, "staff/collections/deferral_form.html", form, refusal)


def _pdf_response(content: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=as_attachment, filename=filename) or ""
    return response


@staff_only
@require_GET
def reminder_letter(request: StaffRequest, reminder_id: int) -> HttpResponse:
    """One notice as the letter the patient got (or gets), in the patient's language."""
    require_perm(request, "patient_collections.view_reminder")
    reminder = get_object_or_404(Reminder.objects.select_related("invoice"), pk=reminder_id)
    accessed.send(sender=Invoice, instance=reminder.invoice)
    filename = f"notice-{reminder.invoice.number or reminder.invoice_id}-step-{reminder.step}.pdf"
    try:
        content = letters.notice_letter_pdf(reminder)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("invoice-detail", invoice_id=reminder.invoice_id)
    return _pdf_response(content, filename)


# --- The reminder schedule ------------------------------------------------------------------------------


def _schedule_context() -> dict[str, object]:
    jurisdiction = str(settings.BILLING_JURISDICTION)
    today = timezone.localdate()
    limits = schedule.LIMITS.get(jurisdiction)
    base_rate = collection_services.fee_base_rate(on=today)
    stored = list(FeeRate.objects.order_by("code", "-effective_from"))
    rates: list[object] = list(stored)
    sats = next((rate for rate in stored if rate.code == schedule.INKASSOSATS), None)
    if sats is not None:
        # The fees a step can name, as they stand today: fractions of the inkassosats row above.
        rates += [
            {
                "code": code,
                "amount": schedule.derived_fee(base_rate, numerator, denominator),
                "effective_from": sats.effective_from,
                "note": f"{numerator}/{denominator} × {schedule.INKASSOSATS}",
            }
            for code, (_rate, numerator, denominator) in sorted(schedule.DERIVED_FEES.items())
        ]
    return {
        "jurisdiction": jurisdiction,
        "limits": limits,
        "max_fee": schedule.derived_fee(base_rate, limits.max_fee_twentieths, 20) if limits else None,
        "fee_rates": rates,
    }


@staff_only
@require_GET
def schedule_detail(request: StaffRequest) -> HttpResponse:
    require_perm(request, "patient_collections.view_reminderstep")
    steps = list(ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION).order_by("number"))
    return render(request, "staff/collections/schedule_detail.html", {**_schedule_context(), "steps": steps})


@staff_only
def schedule_edit(request: StaffRequest) -> HttpResponse:
    """Edit the steps; a schedule that breaks the legal limits shows every problem and saves nothing."""
    require_perm(request, EDIT_SCHEDULE)
    problems: list[str] = []
    if request.method == "POST":
        formset = step_formset(request.POST)
        if formset.is_valid():
            try:
                schedule_replace(steps=formset.steps(), by=request.user)
            except ScheduleInvalid as exc:
                problems = exc.problems
            except ApplicationError as exc:
                problems = [exc.message]
            else:
                messages.success(request, _("The reminder schedule is saved; the next sweep uses it."))
                return redirect("schedule-detail")
    else:
        steps = list(ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION).order_by("number"))
        formset = step_formset(steps=steps)
    context = {**_schedule_context(), "formset": formset, "problems": problems}
    return render(request, "staff/collections/schedule_edit.html", context)


# --- Collection cases -----------------------------------------------------------------------------------


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
        return redirect("case-detail", case_id=case_id)
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
    return redirect("case-detail", case_id=case_id)


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
    return redirect("case-detail", case_id=case_id)


@staff_only
@require_GET
def case_conciliation_notice(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case_for_user(request, case_id)
    accessed.send(sender=Invoice, instance=case.invoice)
    filename = f"conciliation-notice-case-{case.pk}.pdf"
    return _pdf_response(letters.conciliation_notice_pdf(case), filename)


@staff_only
@require_GET
def case_summary(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case_for_user(request, case_id)
    accessed.send(sender=Invoice, instance=case.invoice)
    return _pdf_response(letters.case_summary_pdf(case), f"case-{case.pk}-summary.pdf")


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


# --- The day's print batch ------------------------------------------------------------------------------


@staff_only
@require_GET
def print_batch(request: StaffRequest) -> HttpResponse:
    """The letters waiting for print (today's batch makes them), and those printed on a day (default today), to
    print and post; a malformed day is a form error."""
    require_perm(request, VIEW_REMINDER)
    form = DayForm.from_query(request.GET)
    day = form.cleaned_data["day"] if form.is_valid() else None
    # The page lists letters; their lines are only needed for the PDF.
    reminders = list(letters.letter_reminders_sent_on(day).prefetch_related(None)) if day else []
    # Every waiting letter is listed, whatever day was asked for, so none is forgotten.
    waiting = list(letters.letter_reminders_to_print().prefetch_related(None))
    log_bulk_reads(reminder.invoice for reminder in [*waiting, *reminders])
    return render(
        request,
        "staff/collections/print_batch.html",
        {
            "form": form,
            "day": day,
            "reminders": reminders,
            "waiting": waiting,
            "today": timezone.localdate(),
            "may_print": permissions.print_batch_refusal(request.user) is None,
        },
        status=200 if day else 400,
    )


@staff_only
@require_GET
def print_batch_pdf(request: StaffRequest) -> HttpResponse:
    require_perm(request, VIEW_REMINDER)
    form = DayForm.from_query(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('print-batch')}?{urlencode({'day': request.GET.get('day', '')})}")
    day = form.cleaned_data["day"]
    content = letters.print_batch_pdf(day)
    if content is None:
        messages.info(request, _("No letters were sent that day."))
        return redirect(f"{reverse('print-batch')}?{urlencode({'day': day.isoformat()})}")
    # The batch shows every letter's patient and invoice: one audit row per invoice, as for a single letter.
    log_bulk_reads(Invoice.objects.filter(pk__in=letters.letter_reminders_sent_on(day).values("invoice_id")))
    return _pdf_response(content, f"letters-{day.isoformat()}.pdf", as_attachment=True)


@staff_only
@require_POST
def print_batch_record(request: StaffRequest) -> HttpResponse:
    """Staff print today's batch: every letter waiting is recorded sent now, with its fee and a deadline from
    today (a letter whose claim was paid or put on hold meanwhile is skipped), then today's PDF downloads."""
    if permissions.print_batch_refusal(request.user) is not None:
        raise PermissionDenied
    recorded = collection_services.reminders_record_printed(now=timezone.now(), by=request.user)
    today = timezone.localdate()
    if not recorded:
        messages.info(request, _("No letters were waiting to be printed."))
        return redirect(f"{reverse('print-batch')}?{urlencode({'day': today.isoformat()})}")
    return redirect(f"{reverse('print-batch-pdf')}?{urlencode({'day': today.isoformat()})}")


# --- The aging report -----------------------------------------------------------------------------------


@staff_only
@require_GET
def aging_report(request: StaffRequest) -> HttpResponse:
    """What patients owe by how long it is overdue: totals, a chart of the same figures, the patients."""
    require_perm(request, VIEW_CASE)
    report = collection_selectors.aging_report(today=timezone.localdate())
    log_bulk_reads(Patient.objects.filter(pk__in=[row.patient_id for row in report.rows]))
    chart = {
        "labels": [str(bucket.label) for bucket in collection_selectors.AGING_BUCKETS],
        # Decimal strings: the chart reads them as numbers, and no float comes near the money.
        "values": [str(total) for total in report.totals],
    }
    return render(request, "staff/collections/aging_report.html", {"report": report, "chart": chart})


@staff_only
@require_GET
def aging_report_csv(request: StaffRequest) -> HttpResponse:
    require_perm(request, VIEW_CASE)
    today = timezone.localdate()
    report = collection_selectors.aging_report(today=today)
    log_bulk_reads(Patient.objects.filter(pk__in=[row.patient_id for row in report.rows]))
    response = HttpResponse(collection_selectors.aging_report_csv(report), content_type="text/csv; charset=utf-8")
    filename = f"aging-{today.isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response
