"""REST API for collection cases and follow-up calls (v1): the cases proposed for escalation and their
decision, and the call worklist with the outcome of a call.

Views parse, call a service, and serialise. The lists across invoices (cases, calls) are paginated.
"""

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
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
from disputes.models import AdjustmentRequest, ProposalKind, Role
from disputes.permissions import adjustment_request_can_approve, approval_settings
from disputes.selectors import credit_requests_pending, invoice_ids_disputed
from patient_collections import selectors, services
from patient_collections.collection_state import CollectionState, HoldReason, collection_states
from patient_collections.models import CollectionCase, FollowUpCall

DECISIONS = [choice for choice in CollectionCase.Status.choices if choice[0] not in CollectionCase.UNDECIDED_STATUSES]


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


class CaseCreditRequestSerializer(serializers.Serializer):
    """The credit of a case's claim while it waits for approval (four-eyes: approve or reject it through
    /api/v1/adjustments/{id}/approve/ and …/reject/)."""

    class Meta:
        ref_name = "CollectionCaseCreditRequest"

    id = serializers.IntegerField(help_text="The adjustment request.")
    kind = serializers.ChoiceField(
        choices=ProposalKind.choices,
        help_text="small_claim_credit within the policy's small-claim threshold, write_off above it.",
    )
    amount = money_field(help_text="What the patient owed when credit was chosen.")
    required_role = serializers.ChoiceField(choices=Role.choices, help_text="The role the policy names to approve it.")
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
    status = serializers.ChoiceField(choices=CollectionCase.Status.choices)
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
        data = self.input_data(request)
        case = services.collection_case_decide(case_id=case_id, by=staff_member(request), **data)
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
    role = serializers.ChoiceField(choices=Role.choices, help_text="The role that makes the call.")
    due_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    outcome = serializers.ChoiceField(
        choices=FollowUpCall.Outcome.choices,
        allow_blank=True,
        help_text="Empty until a call is recorded; no_answer keeps the call open.",
    )
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
        data = self.input_data(request)
        call = services.follow_up_call_record_outcome(call_id=call_id, by=staff_member(request), **data)
        return Response(FollowUpCallOutputSerializer(call).data)


urlpatterns = [
    path("collection-cases/", CollectionCaseListApi.as_view(), name="api-collection-case-list"),
    path(
        "collection-cases/<int:case_id>/decide/", CollectionCaseDecideApi.as_view(), name="api-collection-case-decide"
    ),
    path("follow-up-calls/", FollowUpCallListApi.as_view(), name="api-follow-up-call-list"),
    path("follow-up-calls/<int:call_id>/outcome/", FollowUpCallOutcomeApi.as_view(), name="api-follow-up-call-outcome"),
]
