"""The front desk's invoice pages: the worklist (the landing page), an invoice with its payments, credit notes
and collections, and recording a payment. They read four apps, so they live above them all."""

from datetime import date
from typing import Any, cast

from auditlog.signals import accessed
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError, Conflict
from clinic_billing.roles import StaffRequest, require_perm, staff_only, user_roles
from disputes import selectors as dispute_selectors
from disputes.selectors import account_summary
from invoices import selectors, services
from invoices.forms import PaymentForm
from invoices.line_kinds import bill_title
from invoices.models import Invoice, payment_method_label
from invoices.selectors import invoice_shares
from invoices.shares import Audience
from invoices.templatetags.money import money
from invoices.views import get_invoice_for_user
from patient_collections import selectors as collection_selectors
from patient_collections.collection_state import state_of, with_collection_state
from patient_collections.collection_status import invoice_collection_status
from patient_collections.forms import DeferralForm, PaymentPlanForm
from patient_collections.permissions import arrangement_replace_refusal

WORKLIST_PAGE_SIZE = 25
WORKLIST_SECTION_SIZE = 5


def _days_overdue(invoice: Invoice, today: date) -> int:
    assert invoice.due_date is not None  # every issued invoice has one (invoice_issued_has_number)
    return (today - invoice.due_date).days


@staff_only
@require_GET
def worklist(request: StaffRequest) -> HttpResponse:
    """The landing page: calls due today, complaints for the user's roles, missed meetings, overdue accounts."""
    require_perm(request, "invoices.view_invoice")
    today = timezone.localdate()
    now = timezone.now()
    context: dict[str, object] = {}
    if request.user.has_perm("patient_collections.view_followupcall"):
        calls = collection_selectors.follow_up_calls_due_today()
        context["calls_due_count"] = calls.count()
        context["calls_due"] = list(calls[:WORKLIST_SECTION_SIZE])
    if request.user.has_perm("disputes.view_complaint"):
        mine = dispute_selectors.complaints_open(roles=user_roles(request.user))[:WORKLIST_SECTION_SIZE]
        context["complaints_mine"] = [(c, dispute_selectors.deadline_of(c, now)) for c in mine]
        late = dispute_selectors.complaints_past_deadline(now=now)[:WORKLIST_SECTION_SIZE]
        context["complaints_late"] = [(c, dispute_selectors.deadline_of(c, now)) for c in late]
    # The page's ids first, then only those invoices with their collection state: annotated over the whole
    # overdue list, PostgreSQL hashes every hold's table for the page's 25 rows (70 ms at 2,000,000 invoices).
    overdue = selectors.invoices_overdue(today=today)
    page = Paginator(overdue.values_list("pk", flat=True), WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = {invoice.pk: invoice for invoice in with_collection_state(overdue.filter(pk__in=list(page)), today=today)}
    invoices = [shown[pk] for pk in page if pk in shown]
    rows = [(invoice, _days_overdue(invoice, today)) for invoice in invoices]
    for invoice, _days in rows:
        invoice.collection = state_of(invoice, today=today)  # type: ignore[attr-defined]
    # The worklist names patients: one audit row per patient of a call and per invoice of a complaint or row,
    # from the rows already read with them, in one insert.
    calls_due = cast(list[Any], context.get("calls_due", []))
    complaints = cast(list[Any], context.get("complaints_mine", [])) + cast(
        list[Any], context.get("complaints_late", [])
    )
    log_bulk_reads(
        [
            *(call.patient for call in calls_due),
            *(complaint.invoice for complaint, _deadline in complaints),
            *invoices,
        ]
    )
    return render(request, "staff/invoices/worklist.html", {**context, "page": page, "rows": rows})


@staff_only
@require_GET
def detail(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_user(request, invoice_id)
    accessed.send(sender=Invoice, instance=invoice)
    patient_due = invoice.patient_due
    lines = list(invoice.lines.all())
    entries = list(invoice.entries.all())
    collections = invoice_collection_status(invoice=invoice, today=timezone.localdate())
    # A new plan or deferral replaces the one that holds the invoice: the forms offer it only to whoever may.
    current = collections.current_arrangement
    context = {
        **account_summary(invoice.patient),
        "invoice": invoice,
        "patient_due": patient_due,
        "invoice_credit": -patient_due if patient_due < 0 else None,
        "lines": lines,
        "bill_title": bill_title(lines, invoice.service_date),
        # The same rows the patient reads on the bill and the PDF, in staff words.
        "shares": invoice_shares(invoice, lines=lines, entries=entries, audience=Audience.STAFF),
        "entries": [(entry, payment_method_label(entry.method)) for entry in entries],
        "credit_notes": invoice.credit_notes.all(),
        "collections": collections,
        "arrangement_refusal": arrangement_replace_refusal(request.user, current),
        # Both forms on one page: their replace checkboxes need ids of their own.
        "plan_form": PaymentPlanForm(current=current, auto_id="plan_%s"),
        "deferral_form": DeferralForm(current=current, auto_id="deferral_%s"),
    }
    return render(request, "staff/invoices/detail.html", context)


@staff_only
def payment(request: StaffRequest, invoice_id: int) -> HttpResponse:
    require_perm(request, "invoices.record_payment")
    require_perm(request, "invoices.view_invoice")
    invoice = get_object_or_404(Invoice.objects.select_related("patient"), pk=invoice_id)
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.payment_record(
                    invoice_id=invoice.pk,
                    amount=data["amount"],
                    payer=data["payer"],
                    method=data["method"],
                    reference=data["reference"].strip(),
                    idempotency_key=str(data["idempotency_key"]),
                    by=request.user,
                )
            except Conflict as exc:
                form = form.with_new_key()
                form.add_application_error(exc)
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                if result.created:
                    messages.success(request, _("Payment of %(amount)s recorded.") % {"amount": money(data["amount"])})
                else:
                    messages.info(request, _("This payment was already recorded; it was not posted again."))
                return redirect("frontdesk:invoice-detail", invoice_id=invoice.pk)
    else:
        form = PaymentForm()
    accessed.send(sender=Invoice, instance=invoice)
    context = {**account_summary(invoice.patient), "invoice": invoice, "form": form}
    return render(request, "staff/invoices/payment.html", context)
