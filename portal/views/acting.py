"""Who is asking on the request pages: the patient, or a proxy acting for them; and the words those pages share.

Every request view finds the patient through portal.access, so another patient's ids answer 404. Writes go
through the owning app's services; portal.services composes them where a request needs several.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from disputes.models import Role
from patients.models import AuthorisedProxy, Patient

from .. import services
from ..access import acting_as_proxy, patient_for_portal

portal_login_required = login_required(login_url="portal:portal-login")
GET_AND_POST = require_http_methods(["GET", "POST"])

# Who contacts the patient, by the role the request was routed to.
ROUTE_WORDS: dict[str, str | Promise] = {
    Role.BILLING: gettext_lazy("someone from billing"),
    Role.PROVIDER: gettext_lazy("your doctor or the provider's team"),
    Role.OFFICE_MANAGER: gettext_lazy("the office manager"),
    Role.FRONT_DESK: gettext_lazy("someone from our front desk"),
}


def who_contacts(route_to: str) -> str:
    return str(ROUTE_WORDS.get(route_to, ROUTE_WORDS[Role.BILLING]))


def signed_in_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def proxy_acting(request: HttpRequest, patient: Patient) -> AuthorisedProxy | None:
    """The grant a proxy acts under; None when the patient acts for themself."""
    if not acting_as_proxy(request, patient):
        return None
    grant = services.proxy_grant_of(user=signed_in_user(request), patient_id=patient.pk)
    if grant is None:
        raise Http404
    return grant


def patient_only(request: HttpRequest, patient_id: int) -> Patient:
    """Pages only the patient may use (who may speak for them): a proxy gets 404 like anyone else."""
    patient = patient_for_portal(request, patient_id)
    if acting_as_proxy(request, patient):
        raise Http404
    return patient


def page_context(patient: Patient, request: HttpRequest, **context: object) -> dict[str, object]:
    return {"patient": patient, "is_proxy": acting_as_proxy(request, patient), **context}
