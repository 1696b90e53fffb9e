"""REST API for collections (v1): payment plans, deferrals and reminders (escalation cases and follow-up calls
are in api/cases.py).

Views parse, call a service, and serialise. The lists of one invoice (its plans, its reminders) are short
and bounded by the schedule, so they are not paginated.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import (
    CONFLICT,
    REFUSED,
    StaffApi,
    TextField,
    id_field,
    money_field,
    query_filters,
    staff_member,
)
from clinic_billing.audited import log_bulk_reads
from clinic_billing.dates import date_in_range
from clinic_billing.exceptions import NotFound
from invoices.models import Invoice
from patient_collections import permissions, services
from patient_collections.models import Deferral, Instalment, NoticeType, PaymentPlan, Reminder
from patients.models import Channel


def _require_invoice(invoice_id: int) -> Invoice:
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(_("No such invoice."), field="invoice")
    return invoice


def _plans() -> QuerySet[PaymentPlan]:
    return PaymentPlan.objects.select_related("created_by").prefetch_related(
        Prefetch("instalments", queryset=Instalment.objects.order_by("number"))
    )


class InvoiceFilterSerializer(serializers.Serializer):
    invoice = id_field(help_text="The invoice (required).")


class PaymentPlanOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PaymentPlan"

    class InstalmentSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Instalment"

        number = serializers.IntegerField(help_text="1 for the first instalment.")
        due_date = serializers.DateField()
        amount = money_field()
        status = serializers.ChoiceField(
            choices=Instalment.Status.choices, help_text="Marked by the nightly instalment sweep."
        )

    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    status = serializers.ChoiceField(
        choices=PaymentPlan.Status.choices, help_text="Reminders pause while a plan is active."
    )
    total = money_field(help_text="What the patient owed when the plan was made; the instalments add up to it.")
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True, help_text="When the plan completed, broke or was cancelled.")
    instalments = InstalmentSerializer(many=True, help_text="Monthly, by number; the last takes the remainder.")
    can_cancel = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.BooleanField(
            help_text="Whether the signed-in user may cancel this plan now, by replacing it with a new plan or a "
            "deferral (replace_arrangement)."
        )
    )
    def get_can_cancel(self, plan: PaymentPlan) -> bool:
        request = self.context.get("request")
        return request is not None and permissions.payment_plan_cancel_refusal(request.user, plan) is None


class PaymentPlanListCreateApi(StaffApi):
    """GET: the payment plans of one invoice, newest first, with their instalments (not paginated).
    POST: spread what the patient owes over monthly instalments.
    """

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentPlanCreate"

        invoice = id_field(help_text="An issued invoice on which the patient owes something and has no active plan.")
        instalments = serializers.IntegerField(
            required=False,
            help_text="How many monthly instalments (2 to 36), equal to the cent. Give this or monthly_amount.",
        )
        monthly_amount = money_field(
            required=False,
            help_text="The amount the patient can pay each month; the last instalment takes the rest. "
            "Give this or instalments; the plan may last at most 36 months.",
        )
        first_due = serializers.DateField(
            required=False,
            validators=[date_in_range],
            help_text="When the first instalment is due: today or later (default: in a month).",
        )
        replace_arrangement = serializers.BooleanField(
            default=False,
            help_text="End the invoice's running deferral or plan in the same step; without it, one answers 409.",
        )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # One URL, two operations: reading plans and making one are separate permissions.
        self.required_permission = (
            "patient_collections.add_paymentplan"
            if request.method == "POST"
            else "patient_collections.view_paymentplan"
        )
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="payment_plan_list",
        parameters=[InvoiceFilterSerializer],
        responses={200: PaymentPlanOutputSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = InvoiceFilterSerializer(data=query_filters(request))
        filters.is_valid(raise_exception=True)
        invoice_id = filters.validated_data["invoice"]
        invoice = _require_invoice(invoice_id)
        plans = _plans().filter(invoice_id=invoice_id).order_by("-created_at", "-id")
        log_bulk_reads([invoice])
        return Response(PaymentPlanOutputSerializer(plans, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="payment_plan_create",
        request=InputSerializer,
        responses={201: PaymentPlanOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request) -> Response:
        data = self.input_data(request)
        plan = services.payment_plan_create(
            invoice_id=data["invoice"],
            instalments=data.get("instalments"),
            monthly_amount=data.get("monthly_amount"),
            first_due=data.get("first_due"),
            replace_arrangement=data["replace_arrangement"],
            by=staff_member(request),
        )
        output = PaymentPlanOutputSerializer(_plans().get(pk=plan.pk), context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class DeferralCreateApi(StaffApi):
    """Move collection of an invoice to a later date (at most 180 days ahead); reminders wait until then."""

    required_permission = "patient_collections.add_deferral"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DeferralCreate"

        until = serializers.DateField(validators=[date_in_range], help_text="After today, and at most 180 days ahead.")
        reason = TextField(max_length=300, allow_blank=True, default="")
        replace_arrangement = serializers.BooleanField(
            default=False,
            help_text="End the invoice's running deferral or plan in the same step; without it, one answers 409.",
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Deferral"

        id = serializers.IntegerField()
        invoice = serializers.IntegerField(source="invoice_id")
        until = serializers.DateField()
        reason = serializers.CharField()
        created_at = serializers.DateTimeField()
        created_by = serializers.CharField(source="created_by.username", allow_null=True)
        ended_at = serializers.DateTimeField(allow_null=True, help_text="When a later plan or deferral replaced it.")

    @extend_schema(
        operation_id="invoice_defer",
        request=InputSerializer,
        responses={201: OutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        data = self.input_data(request)
        deferral: Deferral = services.deferral_create(invoice_id=invoice_id, by=staff_member(request), **data)
        return Response(self.OutputSerializer(deferral).data, status=status.HTTP_201_CREATED)


class ReminderListApi(StaffApi):
    """The reminders of one invoice by step, queued, sent or skipped (not paginated: a handful per invoice).

    Steps from 100 on are reminders of missed payment-plan instalments (100 + the instalment's number).
    """

    required_permission = "patient_collections.view_reminder"

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Reminder"

        id = serializers.IntegerField()
        invoice = serializers.IntegerField(source="invoice_id")
        step = serializers.IntegerField()
        notice_type = serializers.ChoiceField(choices=NoticeType.choices)
        channel = serializers.ChoiceField(choices=Channel.choices, allow_blank=True, help_text="Empty until sent.")
        status = serializers.ChoiceField(choices=Reminder.Status.choices)
        skip_reason = serializers.CharField(help_text="Why it was not sent; empty otherwise.")
        created_at = serializers.DateTimeField()
        sent_at = serializers.DateTimeField(allow_null=True)
        deadline = serializers.DateField(allow_null=True, help_text="The new payment deadline the notice gives.")
        fee = money_field(help_text="The reminder fee, posted to the invoice when the notice is sent.")
        can_confirm_sent = serializers.SerializerMethodField()
        can_resend = serializers.SerializerMethodField()

        @extend_schema_field(
            serializers.BooleanField(
                help_text="Whether the signed-in user may record now that this notice of unknown outcome went out."
            )
        )
        def get_can_confirm_sent(self, reminder: Reminder) -> bool:
            request = self.context.get("request")
            return request is not None and permissions.reminder_confirm_sent_refusal(request.user, reminder) is None

        @extend_schema_field(
            serializers.BooleanField(
                help_text="Whether the signed-in user may send this notice of unknown outcome again now."
            )
        )
        def get_can_resend(self, reminder: Reminder) -> bool:
            request = self.context.get("request")
            return request is not None and permissions.reminder_resend_refusal(request.user, reminder) is None

    @extend_schema(
        operation_id="reminder_list",
        parameters=[InvoiceFilterSerializer],
        responses={200: OutputSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = InvoiceFilterSerializer(data=query_filters(request))
        filters.is_valid(raise_exception=True)
        invoice_id = filters.validated_data["invoice"]
        invoice = _require_invoice(invoice_id)
        reminders = Reminder.objects.filter(invoice_id=invoice_id).order_by("step")
        log_bulk_reads([invoice])
        return Response(self.OutputSerializer(reminders, many=True, context={"request": request}).data)


urlpatterns = [
    path("payment-plans/", PaymentPlanListCreateApi.as_view(), name="api-payment-plan-list"),
    path("invoices/<int:invoice_id>/defer/", DeferralCreateApi.as_view(), name="api-invoice-defer"),
    path("reminders/", ReminderListApi.as_view(), name="api-reminder-list"),
]
