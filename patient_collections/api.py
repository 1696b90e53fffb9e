"""REST API for the collections worklist (v1): follow-up calls and their outcomes."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from disputes import services
from disputes.api import CONFLICT, PAGINATION_CLASS, REFUSED, id_field
from disputes.selectors import follow_up_calls
from patients.api import StaffApi, staff_member

from .models import FollowUpCall


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
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        calls = follow_up_calls(
            patient_id=filters.validated_data.get("patient"),
            include_completed=filters.validated_data["include_completed"],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(calls, request, view=self)
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
        note = serializers.CharField(max_length=500, allow_blank=True, default="")

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
    path("follow-up-calls/", FollowUpCallListApi.as_view(), name="api-follow-up-call-list"),
    path("follow-up-calls/<int:call_id>/outcome/", FollowUpCallOutcomeApi.as_view(), name="api-follow-up-call-outcome"),
]
