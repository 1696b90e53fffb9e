"""What a patient (or their proxy) asks of the clinic: tell us a bill is wrong, pay later or in
instalments, call me back, how to contact me, who may help me, and the messages we sent.

Every view finds the patient through portal.access, so another patient's ids answer 404. Writes go through
portal.services, which composes the domain services.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from auditlog.signals import accessed
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound
from disputes.letters import resolution_letter_pdf
from disputes.models import Complaint, Role
from disputes.services import complaint_file
from invoices.models import Invoice, InvoiceLine
from invoices.templatetags.money import local_date, money
from patient_collections.models import FollowUpCall, PaymentPlan, PortalMessage
from patient_collections.selectors import invoice_active_deferral
from patient_collections.services import MAX_DEFERRAL_DAYS, MAX_PLAN_MONTHS
from patients.models import AuthorisedProxy, Channel, Patient
from patients.services import patient_update_contact

from .. import services
from ..access import acting_as_proxy, invoice_for_portal, patient_for_portal
from ..forms import (
    PLAN,
    CallbackForm,
    CannotPayForm,
    ContactForm,
    DeferralForm,
    DisputeForm,
    PlanForm,
    ProxyGrantForm,
    new_request_key,
)

portal_login_required = login_required(login_url="portal-login")
GET_AND_POST = require_http_methods(["GET", "POST"])


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _proxy(request: HttpRequest, patient: Patient) -> AuthorisedProxy | None:
    """The grant a proxy acts under; None when the patient acts for themself."""
    if not acting_as_proxy(request, patient):
        return None
    grant = services.proxy_grant_of(user=_user(request), patient_id=patient.pk)
    if grant is None:
        raise Http404
    return grant


def _patient_only(request: HttpRequest, patient_id: int) -> Patient:
    """Pages only the patient may use (who may speak for them): a proxy gets 404 like anyone else."""
    patient = patient_for_portal(request, patient_id)
    if acting_as_proxy(request, patient):
        raise Http404
    return patient


def _base(patient: Patient, request: HttpRequest, **context: object) -> dict[str, object]:
    return {"patient": patient, "is_proxy": acting_as_proxy(request, patient), **context}


# --- Tell us what is wrong ---------------------------------------------------------------------------

# Who contacts the patient, by the role the policy routed the complaint to.
ROUTE_WORDS: dict[str, str | Promise] = {
    Role.BILLING: gettext_lazy("someone from billing"),
    Role.PROVIDER: gettext_lazy("your doctor or the provider's team"),
    Role.OFFICE_MANAGER: gettext_lazy("the office manager"),
    Role.FRONT_DESK: gettext_lazy("someone from our front desk"),
}

STATUS_WORDS: dict[str, str | Promise] = {
    Complaint.Status.OPEN: gettext_lazy("We are looking at it"),
    Complaint.Status.MET: gettext_lazy("We have talked with you and are sorting it out"),
    Complaint.Status.ESCALATED: gettext_lazy("The office manager is looking at it"),
    Complaint.Status.CLOSED: gettext_lazy("Finished"),
}


def _who(route_to: str) -> str:
    return str(ROUTE_WORDS.get(route_to, ROUTE_WORDS[Role.BILLING]))


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
    proxy = _proxy(request, patient)
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
                by=_user(request),
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return redirect("portal-dispute-sent", patient_id=patient.pk, complaint_id=complaint.pk)
    accessed.send(sender=Invoice, instance=invoice)
    return render(request, "portal/requests/dispute.html", _base(patient, request, invoice=invoice, form=form))


def _next_steps(complaint: Complaint) -> dict[str, object]:
    """What happens next, for the patient: who contacts them and by when; never the staff script."""
    due = timezone.localtime(complaint.meeting_due_at)
    return {
        "who": _who(complaint.route_to),
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
    context = _base(patient, request, complaint=complaint, **_next_steps(complaint))
    return render(request, "portal/requests/dispute_sent.html", context)


@portal_login_required
@require_GET
def complaint_list(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    complaints = list(Complaint.objects.filter(patient=patient).select_related("invoice").order_by("-received_at"))
    rows = [(complaint, STATUS_WORDS[Complaint.Status(complaint.status)]) for complaint in complaints]
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/requests/complaint_list.html", _base(patient, request, rows=rows))


@portal_login_required
@require_GET
def complaint_detail(request: HttpRequest, patient_id: int, complaint_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    complaint = _complaint_of(patient, complaint_id)
    accessed.send(sender=Complaint, instance=complaint)
    context = _base(patient, request, complaint=complaint, lines=list(complaint.lines.all()), **_next_steps(complaint))
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


# --- Can't pay now -----------------------------------------------------------------------------------


def _active_plan(invoice: Invoice) -> PaymentPlan | None:
    return invoice.payment_plans.filter(status=PaymentPlan.Status.ACTIVE).prefetch_related("instalments").first()


def _cannot_pay_context(request: HttpRequest, invoice: Invoice, **context: object) -> dict[str, object]:
    accessed.send(sender=Invoice, instance=invoice)
    today = timezone.localdate()
    return _base(
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
        return redirect("portal-payment-plan", patient_id=invoice.patient_id, invoice_id=invoice.pk)
    if invoice.status != Invoice.Status.ISSUED or invoice.patient_due <= 0:
        return render(request, "portal/requests/nothing_owed.html", _cannot_pay_context(request, invoice))
    return None


@portal_login_required
@GET_AND_POST
def cannot_pay(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    _proxy(request, invoice.patient)
    blocked = _cannot_pay_blocked(request, invoice)
    if blocked is not None:
        return blocked
    form = CannotPayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = "portal-cannot-pay-plan" if form.cleaned_data["option"] == PLAN else "portal-cannot-pay-later"
        return redirect(name, patient_id=invoice.patient_id, invoice_id=invoice.pk)
    return render(request, "portal/requests/cannot_pay.html", _cannot_pay_context(request, invoice, form=form))


def _plan_limits() -> dict[str, Any]:
    return {"minimum": services.plan_minimum_monthly(), "max_months": MAX_PLAN_MONTHS}


@portal_login_required
@GET_AND_POST
def cannot_pay_plan(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    """One question (the monthly amount), then the schedule to check, then confirm."""
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    proxy = _proxy(request, invoice.patient)
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
            by=_user(request),
        )
    except ApplicationError as exc:
        form.add_application_error(exc)
        return render(request, "portal/requests/plan_form.html", _cannot_pay_context(request, invoice, form=form))
    if outcome.plan is not None:
        return redirect("portal-payment-plan", patient_id=invoice.patient_id, invoice_id=invoice.pk)
    assert outcome.request is not None
    messages.info(request, _plan_outside_limits_message(preview))
    return redirect("portal-request-sent", patient_id=invoice.patient_id, request_id=outcome.request.pk)


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
    proxy = _proxy(request, invoice.patient)
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
                by=_user(request),
            )
            if outcome.deferral is not None:
                return redirect("portal-deferral", patient_id=invoice.patient_id, invoice_id=invoice.pk)
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
            return redirect("portal-request-sent", patient_id=invoice.patient_id, request_id=outcome.request.pk)
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
    context = _base(invoice.patient, request, invoice=invoice, plan=plan, instalments=instalments)
    return render(request, "portal/requests/payment_plan.html", context)


@portal_login_required
@require_GET
def deferral(request: HttpRequest, patient_id: int, invoice_id: int) -> HttpResponse:
    invoice = invoice_for_portal(request, patient_id, invoice_id)
    current = invoice_active_deferral(invoice_id=invoice.pk, today=timezone.localdate())
    if current is None:
        raise Http404
    accessed.send(sender=Invoice, instance=invoice)
    context = _base(invoice.patient, request, invoice=invoice, deferral=current)
    return render(request, "portal/requests/deferral.html", context)


# --- Call me back ------------------------------------------------------------------------------------


def _reachable(patient: Patient, proxy: AuthorisedProxy | None) -> dict[str, str]:
    """Where we can reach whoever asks: the proxy's own details when a proxy asks."""
    person: Patient | AuthorisedProxy = proxy if proxy is not None else patient
    return {"email": person.email, "phone": person.phone}


@portal_login_required
@GET_AND_POST
def callback(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    proxy = _proxy(request, patient)
    reachable = _reachable(patient, proxy)
    # The page shows the phone number and e-mail address the office would use.
    accessed.send(sender=Patient, instance=patient)
    form = CallbackForm(request.POST or None, initial={"request_key": new_request_key()}, reachable=reachable)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.callback_request_create(
                patient_id=patient.pk,
                request_key=form.cleaned_data["request_key"],
                request_note=form.cleaned_data["request_note"],
                preferred_time=form.preferred_time_text(),
                preferred_channel=form.cleaned_data["preferred_channel"],
                proxy=proxy,
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return redirect("portal-request-sent", patient_id=patient.pk, request_id=call.pk)
    context = _base(patient, request, form=form, reachable=reachable)
    return render(request, "portal/requests/callback.html", context)


CHANNEL_WORDS: dict[str, str | Promise] = {
    Channel.PHONE: gettext_lazy("call you"),
    Channel.SMS: gettext_lazy("send you a text message"),
    Channel.EMAIL: gettext_lazy("email you"),
}


@portal_login_required
@require_GET
def request_sent(request: HttpRequest, patient_id: int, request_id: int) -> HttpResponse:
    """The confirmation of a request for staff (a callback, or a plan or date we could not agree online)."""
    patient = patient_for_portal(request, patient_id)
    call = (
        FollowUpCall.objects.select_related("invoice")
        .filter(pk=request_id, patient=patient, reason=FollowUpCall.Reason.CALLBACK_REQUEST)
        .first()
    )
    if call is None:
        raise Http404
    accessed.send(sender=Patient, instance=patient)
    due = timezone.localtime(call.due_at)
    context = _base(
        patient,
        request,
        call=call,
        how=str(CHANNEL_WORDS.get(call.preferred_channel, CHANNEL_WORDS[Channel.PHONE])),
        who=_who(call.role),
        due_date=local_date(due.date()),
        done=call.completed_at is not None,
    )
    return render(request, "portal/requests/request_sent.html", context)


# --- How we contact you ------------------------------------------------------------------------------


@portal_login_required
@GET_AND_POST
def contact(request: HttpRequest, patient_id: int) -> HttpResponse:
    """How the clinic contacts the patient. Only the patient changes it; a proxy sees it read-only."""
    patient = patient_for_portal(request, patient_id)
    accessed.send(sender=Patient, instance=patient)
    if acting_as_proxy(request, patient):
        status = 403 if request.method == "POST" else 200
        return render(request, "portal/contact/read_only.html", _base(patient, request), status=status)
    form = ContactForm(request.POST or None, initial=ContactForm.initial_for(patient))
    if request.method == "POST" and form.is_valid():
        try:
            patient_update_contact(patient_id=patient.pk, contact=form.contact_details(), by=_user(request))
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request,
                _("Your contact details are saved. We will use them for everything we send you from now on."),
            )
            return redirect("portal-contact", patient_id=patient.pk)
    return render(request, "portal/contact/edit.html", _base(patient, request, form=form))


# --- People who may help you -------------------------------------------------------------------------


@portal_login_required
@require_GET
def proxies(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient_only(request, patient_id)
    today = timezone.localdate()
    grants = list(AuthorisedProxy.objects.filter(patient=patient).order_by("-revoked_at", "name", "id"))
    active = [grant for grant in grants if grant.is_active_on(today)]
    ended = [grant for grant in grants if not grant.is_active_on(today)]
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/proxies/list.html", _base(patient, request, active=active, ended=ended))


@portal_login_required
@GET_AND_POST
def proxy_grant(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient_only(request, patient_id)
    form = ProxyGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.proxy_grant(
                patient_id=patient.pk,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                relationship=form.cleaned_data["relationship"],
                valid_to=form.cleaned_data["valid_to"],
                by=_user(request),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request,
                _(
                    "We have sent an invitation to %(email)s. When %(name)s opens the link and chooses a password, "
                    "they can see your bills and talk to us about them. You can stop this at any time on this page."
                )
                % {"email": grant.email, "name": grant.name},
            )
            return redirect("portal-proxies", patient_id=patient.pk)
    return render(request, "portal/proxies/grant.html", _base(patient, request, form=form))


@portal_login_required
@GET_AND_POST
def proxy_revoke(request: HttpRequest, patient_id: int, proxy_id: int) -> HttpResponse:
    """Ask first, then end the grant at once."""
    patient = _patient_only(request, patient_id)
    grant = AuthorisedProxy.objects.filter(pk=proxy_id, patient=patient, revoked_at__isnull=True).first()
    if grant is None:
        raise Http404
    if request.method == "POST":
        services.proxy_revoke(patient_id=patient.pk, proxy_id=grant.pk, by=_user(request))
        messages.success(request, _("%(name)s can no longer see your bills or speak for you.") % {"name": grant.name})
        return redirect("portal-proxies", patient_id=patient.pk)
    return render(request, "portal/proxies/revoke.html", _base(patient, request, grant=grant))


# --- Messages ----------------------------------------------------------------------------------------


@portal_login_required
@require_GET
def message_list(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    inbox = list(PortalMessage.objects.filter(patient=patient).order_by("-created_at", "-id"))
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/messages/list.html", _base(patient, request, inbox=inbox))


@portal_login_required
@require_GET
def message_detail(request: HttpRequest, patient_id: int, message_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    try:
        message = services.portal_message_read(patient_id=patient.pk, message_id=message_id)
    except NotFound as exc:
        raise Http404 from exc
    accessed.send(sender=Patient, instance=patient)
    return render(request, "portal/messages/detail.html", _base(patient, request, message=message))


urlpatterns = [
    path("<int:patient_id>/bills/<int:invoice_id>/dispute/", dispute, name="portal-dispute"),
    path("<int:patient_id>/complaints/", complaint_list, name="portal-complaints"),
    path("<int:patient_id>/complaints/<int:complaint_id>/", complaint_detail, name="portal-complaint"),
    path("<int:patient_id>/complaints/<int:complaint_id>/sent/", dispute_sent, name="portal-dispute-sent"),
    path("<int:patient_id>/complaints/<int:complaint_id>/letter/", complaint_letter, name="portal-complaint-letter"),
    path("<int:patient_id>/bills/<int:invoice_id>/cannot-pay/", cannot_pay, name="portal-cannot-pay"),
    path("<int:patient_id>/bills/<int:invoice_id>/cannot-pay/plan/", cannot_pay_plan, name="portal-cannot-pay-plan"),
    path("<int:patient_id>/bills/<int:invoice_id>/cannot-pay/later/", cannot_pay_later, name="portal-cannot-pay-later"),
    path("<int:patient_id>/bills/<int:invoice_id>/payment-plan/", payment_plan, name="portal-payment-plan"),
    path("<int:patient_id>/bills/<int:invoice_id>/pay-later/", deferral, name="portal-deferral"),
    path("<int:patient_id>/callback/", callback, name="portal-callback"),
    path("<int:patient_id>/requests/<int:request_id>/", request_sent, name="portal-request-sent"),
    path("<int:patient_id>/contact/", contact, name="portal-contact"),
    path("<int:patient_id>/proxies/", proxies, name="portal-proxies"),
    path("<int:patient_id>/proxies/new/", proxy_grant, name="portal-proxy-grant"),
    path("<int:patient_id>/proxies/<int:proxy_id>/revoke/", proxy_revoke, name="portal-proxy-revoke"),
    path("<int:patient_id>/messages/", message_list, name="portal-messages"),
    path("<int:patient_id>/messages/<int:message_id>/", message_detail, name="portal-message"),
]
