"""REST API for adjustment approvals (v1): the approval queue, approve and reject. Views parse, call a service or
selector, and serialise."""

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import CONFLICT, PAGINATION_CLASS, REFUSED, StaffApi, TextField, query_filters, staff_member
from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import PermissionDenied
from disputes import permissions, services
from disputes.models import AdjustmentRequest, ProposalKind, Role
from disputes.selectors import adjustments_by_status
from invoices.money import DECIMAL_PLACES, MAX_DIGITS

MONEY: dict[str, Any] = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}
# drf-spectacular names an enum after its field and warns when one choice set has several names or one
# name several choice sets; so each choice set is an enum under one field name only (route_to for the
# roles, the queue's status for adjustments) and the other fields list their values in the description.
ROLES = ", ".join(Role.values)


class AdjustmentOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Adjustment"

    id = serializers.IntegerField()
    complaint = serializers.IntegerField(
        source="complaint_id", allow_null=True, help_text="The complaint it was asked for on; null for a case's credit."
    )
    collection_case = serializers.IntegerField(
        source="collection_case_id",
        allow_null=True,
        help_text="The collection case whose claim it credits; approving it credits the case. Null for a complaint's.",
    )
    invoice = serializers.IntegerField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number", allow_null=True)
    patient = serializers.IntegerField(source="invoice.patient_id")
    kind = serializers.ChoiceField(choices=ProposalKind.choices)
    amount = serializers.DecimalField(**MONEY, help_text="Positive; posted as a negative ledger entry on approval.")
    reason = serializers.CharField()
    required_role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=AdjustmentRequest.Status.choices)
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True)
    requested_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    ledger_entry = serializers.IntegerField(
        source="ledger_entry_id", allow_null=True, help_text="The ledger entry posted on approval."
    )
    can_approve = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.BooleanField(help_text="Whether the signed-in user may approve or reject this request now.")
    )
    def get_can_approve(self, adjustment: AdjustmentRequest) -> bool:
        return adjustment_can_approve(self.context, adjustment)


def adjustment_can_approve(context: dict[str, Any], adjustment: AdjustmentRequest) -> bool:
    """The same answer the service checks (permissions.adjustment_request_can_approve) for who asks."""
    request = context.get("request")
    if request is None:
        return False
    settings = context.get("approval_settings")
    return permissions.adjustment_request_can_approve(request.user, adjustment, settings=settings)


class AdjustmentListApi(StaffApi):
    """The approval queue: adjustment requests, oldest first, paginated (`?page=`). Approvers see every request;
    a deputy approver sees the pending requests theirs to decide, while there are any (403 otherwise)."""

    # Approvers hold the approve permission; a deputy approver may hold only this (permissions.approval_queue_for).
    required_permission = "disputes.view_complaint"
    pagination_class = PAGINATION_CLASS

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=AdjustmentRequest.Status.choices, required=False, help_text="Leave out for every request."
        )

    @extend_schema(
        operation_id="adjustment_list",
        parameters=[FilterSerializer],
        responses={200: AdjustmentOutputSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=query_filters(request))
        filters.is_valid(raise_exception=True)
        settings = permissions.approval_settings()
        adjustments = permissions.approval_queue_for(
            request.user, adjustments_by_status(status=filters.validated_data.get("status")), settings
        )
        if adjustments is None:
            raise PermissionDenied(_("Only the office manager may decide this request."))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(adjustments, request, view=self) or []  # type: ignore[arg-type]
        log_bulk_reads(adjustment.invoice for adjustment in page)
        context = {"request": request, "approval_settings": settings}
        return paginator.get_paginated_response(AdjustmentOutputSerializer(page, many=True, context=context).data)


class AdjustmentApproveApi(StaffApi):
    """Approve and post the ledger entry. Nobody approves their own request; above the policy's threshold
    only the office manager may (403). A request already decided is refused with 409.
    """

    # The permission, or being the deputy approver of this very request (permissions.adjustment_decider_check).
    required_permission = "disputes.view_complaint"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AdjustmentApprove"

        note = TextField(max_length=300, allow_blank=True, default="")

    @extend_schema(
        operation_id="adjustment_approve",
        request=InputSerializer,
        responses={200: AdjustmentOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, adjustment_id: int) -> Response:
        permissions.adjustment_decider_check(request.user, adjustment_id)
        data = self.input_data(request)
        adjustment = services.adjustment_approve(adjustment_id=adjustment_id, by=staff_member(request), **data)
        return Response(AdjustmentOutputSerializer(adjustment, context={"request": request}).data)


class AdjustmentRejectApi(StaffApi):
    """Reject, saying why; nothing is posted. The same four-eyes and role rules as approval apply."""

    required_permission = "disputes.view_complaint"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AdjustmentReject"

        note = TextField(max_length=300, allow_blank=True, help_text="Why (required, not blank).")

    @extend_schema(
        operation_id="adjustment_reject",
        request=InputSerializer,
        responses={200: AdjustmentOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, adjustment_id: int) -> Response:
        permissions.adjustment_decider_check(request.user, adjustment_id)
        data = self.input_data(request)
        adjustment = services.adjustment_reject(adjustment_id=adjustment_id, by=staff_member(request), **data)
        return Response(AdjustmentOutputSerializer(adjustment, context={"request": request}).data)


urlpatterns = [
    path("adjustments/", AdjustmentListApi.as_view(), name="api-adjustment-list"),
    path("adjustments/<int:adjustment_id>/approve/", AdjustmentApproveApi.as_view(), name="api-adjustment-approve"),
    path("adjustments/<int:adjustment_id>/reject/", AdjustmentRejectApi.as_view(), name="api-adjustment-reject"),
]
