"""Call me back, and the confirmation of any request for staff (a callback, or a plan or date we could not
agree online)."""

from auditlog.signals import accessed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clinic_billing.exceptions import ApplicationError
from invoices.templatetags.money import local_date
from patient_collections.models import FollowUpCall
from patients.models import AuthorisedProxy, Channel, Patient

from .. import services
from ..access import patient_for_portal
from ..forms import CallbackForm, new_request_key
from .acting import GET_AND_POST, page_context, portal_login_required, proxy_acting, who_contacts


def _reachable(patient: Patient, proxy: AuthorisedProxy | None) -> dict[str, str]:
    """Where we can reach whoever asks: the proxy's own details when a proxy asks."""
    person: Patient | AuthorisedProxy = proxy if proxy is not None else patient
    return {"email": person.email, "phone": person.phone}


@portal_login_required
@GET_AND_POST
def callback(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_portal(request, patient_id)
    proxy = proxy_acting(request, patient)
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
            return redirect("portal:portal-request-sent", patient_id=patient.pk, request_id=call.pk)
    context = page_context(patient, request, form=form, reachable=reachable)
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
    context = page_context(
        patient,
        request,
        call=call,
        how=str(CHANNEL_WORDS.get(call.preferred_channel, CHANNEL_WORDS[Channel.PHONE])),
        who=who_contacts(call.role),
        due_date=local_date(due.date()),
        done=call.completed_at is not None,
    )
    return render(request, "portal/requests/request_sent.html", context)


urlpatterns = [
    path("<int:patient_id>/callback/", callback, name="portal-callback"),
    path("<int:patient_id>/requests/<int:request_id>/", request_sent, name="portal-request-sent"),
]
