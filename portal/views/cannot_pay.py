"""Can't pay now: a payment plan (one question, a preview, then confirm) or a later date; and the plan or
deferral in force. What may not be agreed online becomes a request for billing."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from auditlog.signals import accessed
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clinic_billing.exceptions import ApplicationError
from invoices.models import Invoice
from invoices.templatetags.money import money
from online_payments.pages import allow_checkout_redirect
from online_payments.services import online_payment_enabled, payable_amount
from patient_collections.models import Instalment, PaymentPlan
from patient_collections.selectors import invoice_active_deferral
from patient_collections.services import MAX_DEFERRAL_DAYS, MAX_PLAN_MONTHS

from .. import services
from ..access import invoice_for_portal
from ..forms import PLAN, CannotPayForm, DeferralForm, PlanForm, new_request_key
from .acting import GET_AND_POST, page_context, portal_login_required, proxy_acting, signed_in_user


def _active_plan(invoice: Invoice) -> PaymentPlan | None:
    return invoice.payment_plans.filter(status=PaymentPlan.Status.ACTIVE).prefetch_related("instalments").first()


def _cannot_pay_context(request: HttpRequest, invoice: Invoice, **context: object) -> dict[str, object]:
    accessed.send(sender=Invoice, instance=invoice)
    today = timezone.localdate()
    return page_context(
        invoice.patient,
        request,
        invoice=invoice,
        owed=invoice.patient_due,
        minimum=services.plan_minimum_monthly(),
        max_months=MAX_PLAN_MONTHS,
        max_days=MAX_DEFERRAL_DAYS,
        latest_date=today + timedelta(days=MAX_DEFERRAL_DAYS),
        **context,
    )


def _cannot_pay_blocked(request: HttpRequest, invoice: Invoice) -> HttpResponse | None:
    """A bill with nothing owed, or with a plan already, has nothing to arrange."""
    plan = _active_plan(invoice)
    if plan is not None:
        return redirect("portal:portal-payment-plan", patient_id=invoice.patient_id, invoice_id=invoice.pk)
    if invoice.status != Invoice.Status.ISSUED or invoice.patient_due <= 0:
        return render(request, "portal/requests/nothing_owed.html", _cannot_pay_context(request, invoice))
    return None


@portal_login_required
@GET_AND_POST
def cannot_pay(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    proxy_acting(request, invoice.patient)
    blocked = _cannot_pay_blocked(request, invoice)
    if blocked is not None:
        return blocked
    form = CannotPayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = (
            "portal:portal-cannot-pay-plan" if form.cleaned_data["option"] == PLAN else "portal:portal-cannot-pay-later"
        )
        return redirect(name, patient_id=invoice.patient_id, invoice_id=invoice.pk)
    return render(request, "portal/requests/cannot_pay.html", _cannot_pay_context(request, invoice, form=form))


def _plan_limits() -> dict[str, Any]:
    return {"minimum": services.plan_minimum_monthly(), "max_months": MAX_PLAN_MONTHS}


@portal_login_required
@GET_AND_POST
def cannot_pay_plan(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    """One question (the monthly amount), then the schedule to check, then confirm."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    proxy = proxy_acting(request, invoice.patient)
    blocked = _cannot_pay_blocked(request, invoice)
    if blocked is not None:
        return blocked
    action = request.POST.get("action", "")
    if request.method == "GET" or action == "change":
        # Changing the amount starts a new request: the form shows what they entered, unchecked.
        initial = {"request_key": new_request_key(), "monthly_amount": request.POST.get("monthly_amount", "")}
        form = PlanForm(initial=initial, **_plan_limits())
        return render(request, "portal/requests/plan_form.html", _cannot_pay_context(request, invoice, form=form))
    form = PlanForm(request.POST, **_plan_limits())
    if not form.is_valid():
        return render(request, "portal/requests/plan_form.html", _cannot_pay_context(request, invoice, form=form))
    monthly: Decimal = form.cleaned_data["monthly_amount"]
    preview = services.plan_preview(invoice=invoice, monthly_amount=monthly)
    if preview.single_payment:
        form.add_error(
            "monthly_amount",
            _("This pays the whole bill of %(owed)s at once. Enter a smaller amount, or choose to pay later.")
            % {"owed": money(preview.owed)},
        )
        return render(request, "portal/requests/plan_form.html", _cannot_pay_context(request, invoice, form=form))
    if action != "confirm":
        context = _cannot_pay_context(request, invoice, form=form, preview=preview)
        return render(request, "portal/requests/plan_preview.html", context)
    try:
        outcome = services.payment_plan_request(
            invoice=invoice,
            monthly_amount=monthly,
            request_key=form.cleaned_data["request_key"],
            proxy=proxy,
            by=signed_in_user(request),
        )
    except ApplicationError as exc:
        form.add_application_error(exc)
        return render(request, "portal/requests/plan_form.html", _cannot_pay_context(request, invoice, form=form))
    if outcome.plan is not None:
        return redirect("portal:portal-payment-plan", patient_id=invoice.patient_id, invoice_id=invoice.pk)
    assert outcome.request is not None
    messages.info(request, _plan_outside_limits_message(preview))
    return redirect("portal:portal-request-sent", patient_id=invoice.patient_id, request_id=outcome.request.pk)


def _plan_outside_limits_message(preview: services.PlanPreview) -> str:
    if preview.below_minimum:
        return _(
            "Plans we can set up online start at %(minimum)s a month, so we have asked our billing team to "
            "agree a plan with you instead."
        ) % {"minimum": money(preview.minimum)}
    if preview.too_long:
        return _(
            "Plans we can set up online last up to %(months)s months, so we have asked our billing team to "
            "agree a plan with you instead."
        ) % {"months": preview.max_months}
    return _("We could not set up this plan online, so we have asked our billing team to agree one with you.")


@portal_login_required
@GET_AND_POST
def cannot_pay_later(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    proxy = proxy_acting(request, invoice.patient)
    blocked = _cannot_pay_blocked(request, invoice)
    if blocked is not None:
        return blocked
    form = DeferralForm(request.POST or None, initial={"request_key": new_request_key()})
    if request.method == "POST" and form.is_valid():
        until = form.cleaned_data["until"]
        if until <= timezone.localdate():
            form.add_error("until", _("Enter a date after today."))
        else:
            outcome = services.deferral_request(
                invoice=invoice,
                until=until,
                request_key=form.cleaned_data["request_key"],
                proxy=proxy,
                by=signed_in_user(request),
            )
            if outcome.deferral is not None:
                return redirect("portal:portal-deferral", patient_id=invoice.patient_id, invoice_id=invoice.pk)
            assert outcome.request is not None
            if until > timezone.localdate() + timedelta(days=MAX_DEFERRAL_DAYS):
                told = _(
                    "Online we can agree a date up to %(days)s days from today, so we have asked our billing team "
                    "to agree a date with you instead."
                ) % {"days": MAX_DEFERRAL_DAYS}
            else:
                # Within the limit, so refused because the bill was deferred before: one deferral online per bill.
                told = _(
                    "This bill has been deferred before, so we have asked our billing team to agree a new date "
                    "with you."
                )
            messages.info(request, told)
            return redirect("portal:portal-request-sent", patient_id=invoice.patient_id, request_id=outcome.request.pk)
    return render(request, "portal/requests/deferral_form.html", _cannot_pay_context(request, invoice, form=form))


@portal_login_required
@require_GET
def payment_plan(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    """The plan of a bill, with its schedule and what happens next."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    plan = _active_plan(invoice)
    if plan is None:
        raise Http404
    instalments = list(plan.instalments.order_by("number"))
    accessed.send(sender=Invoice, instance=invoice)
    next_instalment = next((item for item in instalments if item.status != Instalment.Status.PAID), None)
    pay_next = next_instalment if online_payment_enabled() and invoice.patient_due > 0 else None
    context = page_context(
        invoice.patient,
        request,
        invoice=invoice,
        plan=plan,
        instalments=instalments,
        pay_next=pay_next,
        pay_next_amount=payable_amount(invoice=invoice, instalment=pay_next) if pay_next else None,
    )
    return allow_checkout_redirect(render(request, "portal/requests/payment_plan.html", context))


@portal_login_required
@require_GET
def deferral(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    current = invoice_active_deferral(invoice_id=invoice.pk, today=timezone.localdate())
    if current is None:
        raise Http404
    accessed.send(sender=Invoice, instance=invoice)
    context = page_context(invoice.patient, request, invoice=invoice, deferral=current)
    return render(request, "portal/requests/deferral.html", context)


urlpatterns = [
    path("<int:patient_id>/bills/<int:invoice_id>/cannot-pay/", cannot_pay, name="portal-cannot-pay"),
    path("<int:patient_id>/bills/<int:invoice_id>/cannot-pay/plan/", cannot_pay_plan, name="portal-cannot-pay-plan"),
    path("<int:patient_id>/bills/<int:invoice_id>/cannot-pay/later/", cannot_pay_later, name="portal-cannot-pay-later"),
    path("<int:patient_id>/bills/<int:invoice_id>/payment-plan/", payment_plan, name="portal-payment-plan"),
    path("<int:patient_id>/bills/<int:invoice_id>/pay-later/", deferral, name="portal-deferral"),
]
