"""REST API for patients (v1), and the staff-only base every API view of the billing office uses."""

from typing import Any, cast

from auditlog.context import auditlog_value
from auditlog.signals import accessed
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic_billing.api_errors import ErrorOutputSerializer
from clinic_billing.dates import date_in_range
from invoices.selectors import patient_balance

from .models import Channel, Language, Patient
from .roles import is_staff_member
from .services import ContactDetails, patient_create
from .validators import validate_name


class StaffPermission(BasePermission):
    """Staff (a member of a role group, or a superuser) holding the view's `required_permission`."""

    message = "Only staff of the billing office with the right role may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and is_staff_member(user) and user.has_perm(view.required_permission)  # type: ignore[attr-defined]
        )


def _attribute_audit_to(user: Any) -> None:
    """Name the API user as the actor of audit entries written during this request.

    auditlog's middleware runs before DRF authenticates, so a token-authenticated request would
    otherwise leave every audit entry (reads included) without an actor.
    """
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if context.get("actor") is None:
        context["actor"] = user


class StaffApi(APIView):
    """Base of the staff API: session or token auth, staff only, one Django permission per operation."""

    permission_classes = [StaffPermission]
    required_permission: str = ""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _attribute_audit_to(request.user)


def staff_member(request: Request) -> User:
    """The user behind a request that passed `StaffPermission` (so never anonymous)."""
    return cast(User, request.user)


def query_filters(request: Request) -> dict[str, str]:
    """The query string as a plain dict for a filter serializer: DRF reads an empty `?status=` from a
    QueryDict as "not given", so an empty filter would silently list everything instead of being refused."""
    return request.query_params.dict()


class TextField(serializers.CharField):
    """Text input only: DRF's CharField also takes a number as its digits, which in JSON is a mistake."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false` only: DRF's field also takes 0, "no" or "off", which in JSON is a mistake."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


def log_read(instance: Any) -> None:
    """Record in the audit log that the current user read this record."""
    accessed.send(sender=type(instance), instance=instance)


class PatientDetailApi(StaffApi):
    """The patient with their contact preferences and what they owe now over all invoices."""

    required_permission = "patients.view_patient"

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Patient"

        id = serializers.IntegerField()
        name = serializers.CharField()
        date_of_birth = serializers.DateField()
        # Not an EmailField: a patient reached otherwise may have no address, and "" is no email format.
        email = serializers.CharField(help_text="Their email address; empty when they have none.")
        phone = serializers.CharField()
        address_line = serializers.CharField()
        postal_code = serializers.CharField()
        city = serializers.CharField()
        language = serializers.ChoiceField(choices=Language.choices)
        preferred_channel = serializers.ChoiceField(choices=Channel.choices)
        opt_out_email = serializers.BooleanField()
        opt_out_sms = serializers.BooleanField()
        opt_out_phone = serializers.BooleanField()
        # A sum over invoices, not a column: no fixed width (max_digits=12 turned a large sum into a 500).
        balance = serializers.DecimalField(
            max_digits=None,
            decimal_places=2,
            help_text="What the patient owes now over all issued invoices; negative is a credit in their favour.",
        )

    @extend_schema(
        operation_id="patient_retrieve",
        responses={200: OutputSerializer, 403: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = get_object_or_404(Patient, pk=patient_id)
        log_read(patient)
        return Response(self.OutputSerializer(with_balance(patient)).data)


def with_balance(patient: Patient) -> Patient:
    """Annotate the patient with `balance`, as a queryset annotation would."""
    patient.balance = patient_balance(patient_id=patient.pk)  # type: ignore[attr-defined]
    return patient


class PatientCreateApi(StaffApi):
    """Register a patient with their contact preferences (the preferred channel needs its address)."""

    required_permission = "patients.add_patient"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PatientCreate"

        name = TextField(max_length=200, validators=[validate_name])
        date_of_birth = serializers.DateField(validators=[date_in_range])
        email = serializers.EmailField(allow_blank=True, default="")
        phone = TextField(max_length=40, allow_blank=True, default="")
        address_line = TextField(max_length=200, allow_blank=True, default="")
        postal_code = TextField(max_length=20, allow_blank=True, default="")
        city = TextField(max_length=100, allow_blank=True, default="")
        language = serializers.ChoiceField(choices=Language.choices)
        preferred_channel = serializers.ChoiceField(choices=Channel.choices)
        opt_out_email = StrictBooleanField(default=False)
        opt_out_sms = StrictBooleanField(default=False)
        opt_out_phone = StrictBooleanField(default=False)

    @extend_schema(
        operation_id="patient_create",
        request=InputSerializer,
        responses={201: PatientDetailApi.OutputSerializer, 400: ErrorOutputSerializer, 403: ErrorOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        name = data.pop("name")
        date_of_birth = data.pop("date_of_birth")
        patient = patient_create(
            name=name, date_of_birth=date_of_birth, contact=ContactDetails(**data), by=staff_member(request)
        )
        return Response(PatientDetailApi.OutputSerializer(with_balance(patient)).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("patients/", PatientCreateApi.as_view(), name="api-patient-create"),
    path("patients/<int:patient_id>/", PatientDetailApi.as_view(), name="api-patient-detail"),
]
