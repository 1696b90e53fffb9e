"""Who may see what in the portal: a patient their own accounts, a proxy the accounts granted to them.

Every lookup answers 404 for anything else, so another patient's ids reveal nothing.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from invoices.models import Invoice
from patients.models import AuthorisedProxy, Patient


def accessible_patients(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Patient]:
    """The patient the user is, and every patient whose active proxy grant names the user."""
    if not user.is_authenticated:
        return Patient.objects.none()
    today = timezone.localdate()
    grants = AuthorisedProxy.objects.filter(user_id=user.pk, revoked_at__isnull=True, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    return Patient.objects.filter(Q(user_id=user.pk) | Q(pk__in=grants.values("patient_id"))).order_by("name", "id")


def patient_for_portal(request: HttpRequest, patient_id: int) -> Patient:
    patient = accessible_patients(request.user).filter(pk=patient_id).first()
    if patient is None:
        raise Http404
    return patient


def acting_as_proxy(request: HttpRequest, patient: Patient) -> bool:
    return patient.user_id != request.user.pk


def invoice_for_portal(request: HttpRequest, patient_id: int, invoice_id: int) -> Invoice:
    """An issued (or credited) invoice of a patient the user may see; drafts are not bills yet."""
    patient = patient_for_portal(request, patient_id)
    invoice = Invoice.objects.issued().select_related("patient").filter(pk=invoice_id, patient=patient).first()
    if invoice is None:
        raise Http404
    return invoice
