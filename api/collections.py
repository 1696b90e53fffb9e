"""REST API for collections (v1): payment plans, deferrals, reminders, escalation cases and follow-up calls.

Views parse, call a service, and serialise. The lists of one invoice (its plans, its reminders) are short
and bounded by the schedule, so they are not paginated; the lists across invoices (cases, calls) are.
"""

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import (
    CONFLICT,
    PAGINATION_CLASS,
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
from disputes.models import AdjustmentRequest
from disputes.permissions import adjustment_request_can_approve, approval_settings
from disputes.selectors import credit_requests_pending, invoice_ids_disputed
from invoices.models import Invoice
from patient_collections import permissions, selectors, services
from patient_collections.collection_state import CollectionState, HoldReason, collection_states
from patient_collections.models import (
    CollectionCase,
    Deferral,
    FollowUpCall,
    Instalment,
    NoticeType,
    PaymentPlan,
    Reminder,
)

# drf-spectacular names an enum after its field; plans, instalments, reminders and cases each have a
# `status` of their own, so those fields list their values in the description instead (as disputes.api does).
PLAN_STATUSES = ", ".join(PaymentPlan.Status.values)
INSTALMENT_STATUSES = ", ".join(Instalment.Status.values)
REMINDER_STATUSES = ", ".join(Reminder.Status.values)
CASE_STATUSES = ", ".join(CollectionCase.Status.values)
DECISIONS = [choice for choice in CollectionCase.Status.choices if choice[0] not in CollectionCase.UNDECIDED_STATUSES]


def _require_invoice(invoice_id: int) -> Invoice:
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(_("No such invoice."), field="invoice")
    return invoice


def _plans() -> QuerySet[PaymentPlan]:
    return PaymentPlan.objects.select_related("created_by").prefetch_related(
        Prefetch("instalments", queryset=Instalment.objects.order_by("number"))
    )


def _cases() -> QuerySet[CollectionCase]:
    return (
        CollectionCase.objects.select_related("invoice__patient", "decided_by")
        .annotate(disputed=ExpressionWrapper(Q(invoice_id__in=invoice_ids_disputed()), output_field=BooleanField()))
        .prefetch_related(Prefetch("credit_requests", queryset=credit_requests_pending(), to_attr="credit_pending"))
    )


def _case_context(request: Request, cases: list[CollectionCase]) -> dict[str, Any]:
    """The serializer's context: who asks, and (two queries) the approval settings when some case of `cases`
    has a credit waiting for approval, to say whether they may approve it."""
    waiting = any(getattr(case, "credit_pending", None) for case in cases)
    return {"request": request, "approval_settings": approval_settings() if waiting else None}


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
        status = serializers.CharField(help_text=f"{INSTALMENT_STATUSES}; marked by the nightly instalment sweep.")

    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    status = serializers.CharField(help_text=f"{PLAN_STATUSES}; reminders pause while a plan is active.")
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
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
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
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deferral: Deferral = services.deferral_create(
            invoice_id=invoice_id, by=staff_member(request), **serializer.validated_data
        )
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
        channel = serializers.CharField(help_text="email, sms, letter, portal or phone; empty until sent.")
        status = serializers.CharField(help_text=REMINDER_STATUSES)
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


class CaseCreditRequestSerializer(serializers.Serializer):
    """The credit of a case's claim while it waits for approval (four-eyes: approve or reject it through
    /api/v1/adjustments/{id}/approve/ and …/reject/)."""

    class Meta:
        ref_name = "CollectionCaseCreditRequest"

    id = serializers.IntegerField(help_text="The adjustment request.")
    kind = serializers.CharField(
        help_text="small_claim_credit within the policy's small-claim threshold, write_off above it."
    )
    amount = money_field(help_text="What the patient owed when credit was chosen.")
    required_role = serializers.CharField(help_text="The role the policy names to approve it.")
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True)
    requested_at = serializers.DateTimeField()
    can_approve = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.BooleanField(help_text="Whether the signed-in user may approve or reject this request now.")
    )
    def get_can_approve(self, adjustment: AdjustmentRequest) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        return adjustment_request_can_approve(request.user, adjustment, settings=self.context.get("approval_settings"))


class CollectionCaseOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CollectionCase"

    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number", allow_null=True)
    patient = serializers.IntegerField(source="invoice.patient_id")
    patient_name = serializers.CharField(source="invoice.patient.name")
    status = serializers.CharField(help_text=CASE_STATUSES)
    amount = money_field(help_text="What the patient owed when the case was proposed.")
    balance = money_field(source="invoice.patient_due", help_text="What the patient owes now.")
    disputed = serializers.BooleanField(
        help_text="A complaint is open on the invoice: the claim cannot go to a collection agency."
    )
    collection_state = serializers.ChoiceField(
        source="invoice.collection.state",
        choices=CollectionState.choices,
        help_text="Where the invoice's claim stands in collections today (as on the invoice).",
    )
    holds = serializers.ListField(
        source="invoice.collection.holds",
        child=serializers.ChoiceField(choices=HoldReason.choices),
        help_text="Every hold that stops collection of the invoice today, most important first.",
    )
    proposed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    note = serializers.CharField()
    ledger_entry = serializers.IntegerField(
        source="ledger_entry_id", allow_null=True, help_text="The credit posted when its approval credited the case."
    )
    credit_request = serializers.SerializerMethodField()

    @extend_schema_field(CaseCreditRequestSerializer(allow_null=True))
    def get_credit_request(self, case: CollectionCase) -> dict[str, Any] | None:
        """The credit waiting for approval (status credit_pending); null otherwise."""
        pending = getattr(case, "credit_pending", None)
        if pending is None:
            pending = list(credit_requests_pending().filter(collection_case=case))
        if not pending:
            return None
        return CaseCreditRequestSerializer(pending[0], context=self.context).data


def _with_collection_states(cases: list[CollectionCase]) -> list[CollectionCase]:
    """Give each case's invoice its collection state, for the serializer: one query for any number of cases."""
    states = collection_states(invoice_ids=[case.invoice_id for case in cases], today=timezone.localdate())
    for case in cases:
        case.invoice.collection = states[case.invoice_id]  # type: ignore[attr-defined]
    return cases


class CollectionCaseListApi(StaffApi):
    """Accounts proposed for escalation after the final notice, oldest first, paginated (`?page=`)."""

    required_permission = "patient_collections.view_collectioncase"
    pagination_class = PAGINATION_CLASS

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=CollectionCase.Status.choices,
            required=False,
            help_text="proposed for the cases waiting for a decision; leave out for every case.",
        )

    @extend_schema(
        operation_id="collection_case_list",
        parameters=[FilterSerializer],
        responses={200: CollectionCaseOutputSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=query_filters(request))
        filters.is_valid(raise_exception=True)
        cases = _cases().order_by("proposed_at", "id")
        if "status" in filters.validated_data:
            cases = cases.filter(status=filters.validated_data["status"])
        paginator = self.pagination_class()
        page = _with_collection_states(paginator.paginate_queryset(cases, request, view=self) or [])
        log_bulk_reads(case.invoice for case in page)
        output = CollectionCaseOutputSerializer(page, many=True, context=_case_context(request, page))
        return paginator.get_paginated_response(output.data)


class CollectionCaseDecideApi(StaffApi):
    """The provider or the office manager decides credit or the conciliation board; the office manager the
    collection agency or withdrawing. Credit is four-eyes: `credited` asks a colleague to approve the credit of
    what the patient owes now, and the case answers `credit_pending` with its `credit_request` until the
    request is approved (the case becomes `credited`) or rejected (it waits for a decision again). A disputed
    claim is never sent to an agency, and a case already decided, or whose credit waits, cannot be decided
    again (both 409).
    """

    required_permission = "patient_collections.decide_collection_case"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CollectionCaseDecide"

        decision = serializers.ChoiceField(choices=DECISIONS)
        note = TextField(max_length=300, allow_blank=True, default="")

    @extend_schema(
        operation_id="collection_case_decide",
        request=InputSerializer,
        responses={200: CollectionCaseOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, case_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.collection_case_decide(case_id=case_id, by=staff_member(request), **serializer.validated_data)
        (decided,) = _with_collection_states([_cases().get(pk=case.pk)])
        return Response(CollectionCaseOutputSerializer(decided, context=_case_context(request, [decided])).data)


class FollowUpCallOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FollowUpCall"

    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    patient_name = serializers.CharField(source="patient.name")
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    complaint = serializers.IntegerField(source="complaint_id", allow_null=True)
    reason = serializers.ChoiceField(choices=FollowUpCall.Reason.choices)
    role = serializers.CharField(help_text="The role that makes the call.")
    due_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    outcome = serializers.CharField(help_text="Empty until a call is recorded; no_answer keeps the call open.")
    outcome_note = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True, help_text="Null while the call is open.")
    completed_by = serializers.CharField(source="completed_by.username", allow_null=True)


class FollowUpCallListApi(StaffApi):
    """The call worklist, earliest due first, paginated (`?page=`): open calls unless include_completed."""

    required_permission = "patient_collections.view_followupcall"
    pagination_class = PAGINATION_CLASS

    class FilterSerializer(serializers.Serializer):
        patient = id_field(required=False, help_text="Only this patient's calls.")
        include_completed = serializers.BooleanField(
            default=False, help_text="1 to list completed calls too (default: open calls only)."
        )

    @extend_schema(
        operation_id="follow_up_call_list",
        parameters=[FilterSerializer],
        responses={200: FollowUpCallOutputSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=query_filters(request))
        filters.is_valid(raise_exception=True)
        calls = selectors.follow_up_calls(
            patient_id=filters.validated_data.get("patient"),
            include_completed=filters.validated_data["include_completed"],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(calls, request, view=self) or []
        log_bulk_reads(call.patient for call in page)
        return paginator.get_paginated_response(FollowUpCallOutputSerializer(page, many=True).data)


class FollowUpCallOutcomeApi(StaffApi):
    """Record a call: no_answer tries again the next day; not_satisfied sends the complaint back to the
    office manager. A call already recorded is refused with 409.
    """

    required_permission = "patient_collections.change_followupcall"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FollowUpCallOutcome"

        outcome = serializers.ChoiceField(choices=FollowUpCall.Outcome.choices)
        note = TextField(max_length=500, allow_blank=True, default="")

    @extend_schema(
        operation_id="follow_up_call_record_outcome",
        request=InputSerializer,
        responses={200: FollowUpCallOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, call_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call = services.follow_up_call_record_outcome(
            call_id=call_id, by=staff_member(request), **serializer.validated_data
        )
        return Response(FollowUpCallOutputSerializer(call).data)


urlpatterns = [
    path("payment-plans/", PaymentPlanListCreateApi.as_view(), name="api-payment-plan-list"),
    path("invoices/<int:invoice_id>/defer/", DeferralCreateApi.as_view(), name="api-invoice-defer"),
    path("reminders/", ReminderListApi.as_view(), name="api-reminder-list"),
    path("collection-cases/", CollectionCaseListApi.as_view(), name="api-collection-case-list"),
    path(
        "collection-cases/<int:case_id>/decide/", CollectionCaseDecideApi.as_view(), name="api-collection-case-decide"
    ),
    path("follow-up-calls/", FollowUpCallListApi.as_view(), name="api-follow-up-call-list"),
    path("follow-up-calls/<int:call_id>/outcome/", FollowUpCallOutcomeApi.as_view(), name="api-follow-up-call-outcome"),
]
