"""REST API for patients (v1), and the staff-only base every API view of the billing office uses."""

from dataclasses import fields

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import REFUSED, StaffApi, StrictBooleanField, TextField, log_read, staff_member
from api.external_references import (
    DuplicateOutputSerializer,
    ExternalReferenceInput,
    SyncFieldsOutput,
    external_reference_values,
)
from api.invoices import InvoicePdfApi
from clinic_billing.api_errors import ErrorOutputSerializer
from clinic_billing.dates import date_in_range
from invoices.pdf import statement_pdf_bytes
from invoices.selectors import patient_balance
from invoices.statements import statement_period_asked
from patients.models import Channel, Language, Patient
from patients.services import ContactDetails, patient_create, patient_update_contact
from patients.validators import validate_name


class PatientDetailApi(StaffApi):
    """GET: the patient with their contact preferences and what they owe now over all invoices; PATCH: correct
    how they are reached (contact details, language, preferred channel, opt-outs), as the staff screen does."""

    required_permission = "patients.view_patient"
    method_permissions = {"PATCH": "patients.change_patient"}
    etag = True

    class OutputSerializer(SyncFieldsOutput):
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

    class InputSerializer(serializers.Serializer):
        """Only the fields sent change; the result must still be reachable by its preferred channel."""

        class Meta:
            ref_name = "PatientContactUpdate"

        email = serializers.EmailField(allow_blank=True, required=False)
        phone = TextField(max_length=40, allow_blank=True, required=False)
        address_line = TextField(max_length=200, allow_blank=True, required=False)
        postal_code = TextField(max_length=20, allow_blank=True, required=False)
        city = TextField(max_length=100, allow_blank=True, required=False)
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        preferred_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
        opt_out_email = StrictBooleanField(required=False)
        opt_out_sms = StrictBooleanField(required=False)
        opt_out_phone = StrictBooleanField(required=False)

    @extend_schema(
        operation_id="patient_contact_update",
        request=InputSerializer,
        responses={200: OutputSerializer, **REFUSED},
    )
    def patch(self, request: Request, patient_id: int) -> Response:
        changes = self.input_data(request)
        patient = get_object_or_404(Patient, pk=patient_id)
        current = {detail.name: getattr(patient, detail.name) for detail in fields(ContactDetails)}
        # The staff screen's service: audited, and an address changed by staff is confirmed with the patient.
        patient = patient_update_contact(
            patient_id=patient.pk, contact=ContactDetails(**{**current, **changes}), by=staff_member(request)
        )
        log_read(patient)
        return Response(self.OutputSerializer(with_balance(patient)).data)


def with_balance(patient: Patient) -> Patient:
    """Annotate the patient with `balance`, as a queryset annotation would."""
    patient.balance = patient_balance(patient_id=patient.pk)  # type: ignore[attr-defined]
    return patient


class PatientCreateApi(StaffApi):
    """Register a patient with their contact preferences (the preferred channel needs its address)."""

    required_permission = "patients.add_patient"

    class InputSerializer(ExternalReferenceInput):
        class Meta:
            ref_name = "PatientCreate"

        name = TextField(max_length=200, validators=[validate_name])
        date_of_birth = serializers.DateField(validators=[date_in_range])
        # No default: an empty default is no email format, and the schema would fail validation; left out, the
        # patient has no address (ContactDetails' default).
        email = serializers.EmailField(allow_blank=True, required=False)
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
        responses={
            201: PatientDetailApi.OutputSerializer,
            400: ErrorOutputSerializer,
            403: ErrorOutputSerializer,
            409: DuplicateOutputSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        data = dict(self.input_data(request))
        external = external_reference_values(data)
        name = data.pop("name")
        date_of_birth = data.pop("date_of_birth")
        patient = patient_create(
            name=name,
            date_of_birth=date_of_birth,
            contact=ContactDetails(**data),
            by=staff_member(request),
            **external,
        )
        return Response(PatientDetailApi.OutputSerializer(with_balance(patient)).data, status=status.HTTP_201_CREATED)


class PatientStatementApi(InvoicePdfApi):
    """The patient's statement of account (open invoices, payments, credits, refunds over a period) as a PDF in
    the patient's language."""

    required_permission = "patients.view_patient"

    @extend_schema(
        operation_id="patient_statement",
        parameters=[
            OpenApiParameter("format", exclude=True),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: a year before `to`)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, not after today (default: today)."),
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **{(code, "application/json"): serializer for code, serializer in REFUSED.items()},
        },
    )
    def get(self, request: Request, patient_id: int) -> Response:  # type: ignore[override]
        patient = get_object_or_404(Patient, pk=patient_id)
        start, end = statement_period_asked(request.query_params)
        data = statement_pdf_bytes(patient=patient, start=start, end=end)
        log_read(patient)
        return Response(
            data,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="statement-{patient.pk}.pdf"'},
        )


urlpatterns = [
    path("patients/<int:patient_id>/", PatientDetailApi.as_view(), name="api-patient-detail"),
    path("patients/<int:patient_id>/statement/", PatientStatementApi.as_view(), name="api-patient-statement"),
]
