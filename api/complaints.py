"""REST API for complaints (v1): file, read, mark met, accept the proposal, close. Views parse, call a service or
selector, and serialise."""

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.adjustments import MONEY, ROLES, AdjustmentOutputSerializer, adjustment_can_approve
from api.base import CONFLICT, REFUSED, StaffApi, TextField, id_field, log_read, staff_member
from clinic_billing.exceptions import NotFound, PermissionDenied
from disputes import permissions, services
from disputes.models import AdjustmentRequest, Category, Complaint, ComplaintChannel, ProposalKind, Role
from disputes.selectors import complaint_detail
from patient_collections.models import FollowUpCall
from patients.models import Patient


class ComplaintOutputSerializer(serializers.Serializer):
    """A complaint with the policy's decision, its adjustment requests and its follow-up calls."""

    class Meta:
        ref_name = "Complaint"

    class DecisionSerializer(serializers.Serializer):
        """Built from the complaint (`source="*"`) so the meeting deadline needs no extra lookup."""

        class Meta:
            ref_name = "ComplaintDecision"

        class ProposalSerializer(serializers.Serializer):
            class Meta:
                ref_name = "ComplaintProposal"

            kind = serializers.ChoiceField(choices=ProposalKind.choices, source="decision.proposal_kind")
            amount = serializers.DecimalField(
                **MONEY,
                source="decision.proposal_amount",
                help_text="Never negative and never above the disputed amount; 0.00 when no money moves.",
            )

        route_to = serializers.ChoiceField(
            choices=Role.choices,
            source="decision.route_to",
            help_text="The role the policy sent the complaint to (the complaint's route_to changes on escalation).",
        )
        meeting_due_at = serializers.DateTimeField(help_text="Meet (or call) the patient by then.")
        meeting_within_hours = serializers.IntegerField(source="decision.meeting_within_hours")
        proposal = ProposalSerializer(source="*")
        approval_role = serializers.SerializerMethodField()
        rule = serializers.CharField(
            source="decision.rule_name",
            help_text=(
                "The name of the rule that decided, in the request's language (Accept-Language), else the clinic's."
            ),
        )
        rule_position = serializers.IntegerField(source="decision.rule_position")
        policy_version = serializers.IntegerField(source="decision.policy_version")
        script = serializers.CharField(
            source="decision.script",
            help_text="What to say to the patient, in the request's language (Accept-Language), else the clinic's.",
        )
        notes = serializers.ListField(
            child=serializers.CharField(),
            source="decision.notes",
            help_text="Where the engine departed from the rule (clinical routing, waiting for the insurer, …).",
        )
        decided_at = serializers.DateTimeField(source="decision.decided_at")

        @extend_schema_field(
            serializers.CharField(
                allow_null=True, help_text=f"Who must approve the adjustment ({ROLES}); null if none."
            )
        )
        def get_approval_role(self, complaint: Complaint) -> str | None:
            return complaint.decision.approval_role or None

    class AdjustmentSummarySerializer(serializers.Serializer):
        class Meta:
            ref_name = "ComplaintAdjustment"

        id = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=ProposalKind.choices)
        amount = serializers.DecimalField(**MONEY)
        required_role = serializers.ChoiceField(choices=Role.choices)
        status = serializers.ChoiceField(choices=AdjustmentRequest.Status.choices)
        requested_at = serializers.DateTimeField()
        decided_at = serializers.DateTimeField(allow_null=True)
        ledger_entry = serializers.IntegerField(source="ledger_entry_id", allow_null=True)
        can_approve = serializers.SerializerMethodField()

        @extend_schema_field(
            serializers.BooleanField(help_text="Whether the signed-in user may approve or reject this request now.")
        )
        def get_can_approve(self, adjustment: AdjustmentRequest) -> bool:
            return adjustment_can_approve(self.context, adjustment)

    class FollowUpCallSummarySerializer(serializers.Serializer):
        class Meta:
            ref_name = "ComplaintFollowUpCall"

        id = serializers.IntegerField()
        due_at = serializers.DateTimeField()
        outcome = serializers.ChoiceField(
            choices=FollowUpCall.Outcome.choices, allow_blank=True, help_text="Empty until the call is recorded."
        )
        completed_at = serializers.DateTimeField(allow_null=True)

    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    invoice = serializers.IntegerField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number", allow_null=True)
    lines = serializers.SerializerMethodField()
    proxy = serializers.IntegerField(source="proxy_id", allow_null=True)
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(help_text="The patient's own words.")
    status = serializers.ChoiceField(choices=Complaint.Status.choices)
    disputed_amount = serializers.DecimalField(**MONEY)
    route_to = serializers.ChoiceField(choices=Role.choices, help_text="Who handles the complaint now.")
    meeting_due_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField()
    received_by = serializers.CharField(source="received_by.username", allow_null=True)
    outcome = serializers.ChoiceField(
        choices=Complaint.Outcome.choices, allow_blank=True, help_text="Empty until the complaint is closed."
    )
    prevention_note = serializers.CharField(help_text="Internal: never printed in the patient's letter.")
    resolution_note = serializers.CharField(help_text="Internal notes on the steps taken.")
    resolution_text = serializers.CharField(help_text="The text of the resolution letter the patient receives.")
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by = serializers.CharField(source="closed_by.username", allow_null=True)
    decision = DecisionSerializer(source="*")
    adjustments = AdjustmentSummarySerializer(many=True)
    follow_up_calls = FollowUpCallSummarySerializer(many=True, help_text="Scheduled when the complaint is closed.")

    @extend_schema_field(
        serializers.ListField(
            child=serializers.IntegerField(),
            help_text="Ids of the disputed invoice lines; empty when the whole bill is disputed.",
        )
    )
    def get_lines(self, complaint: Complaint) -> list[int]:
        return [line.pk for line in complaint.lines.all()]


def complaint_output(complaint: Complaint, request: Request) -> dict[str, Any]:
    """The complaint as the API shows it to who asks: whether they may decide each pending adjustment (the
    approval settings are read, two queries, only when one is pending)."""
    pending = any(a.status == AdjustmentRequest.Status.PENDING for a in complaint.adjustments.all())
    settings = permissions.approval_settings() if pending else None
    return ComplaintOutputSerializer(complaint, context={"request": request, "approval_settings": settings}).data


def complaint_response(complaint_id: int, request: Request, *, status_code: int = status.HTTP_200_OK) -> Response:
    complaint = _get_complaint(complaint_id)
    return Response(complaint_output(complaint, request), status=status_code)


def _get_complaint(complaint_id: int) -> Complaint:
    complaint = complaint_detail(complaint_id=complaint_id)
    if complaint is None:
        raise NotFound(_("No such complaint."))
    return complaint


class ComplaintCreateApi(StaffApi):
    """Log a complaint or refusal to pay; the active policy decides route, meeting deadline and proposal.

    A proxy who is not authorised to speak for the patient is refused with 403, and nothing is recorded.
    """

    required_permission = "disputes.add_complaint"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ComplaintCreate"

        patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
        invoice = id_field(help_text="An issued invoice of this patient.")
        lines = serializers.ListField(
            child=id_field(),
            default=list,
            help_text="Ids of the disputed lines of the invoice; empty (or left out) for the whole bill.",
        )
        channel = serializers.ChoiceField(choices=ComplaintChannel.choices)
        category = serializers.ChoiceField(choices=Category.choices)
        description = TextField(help_text="What the patient said, in their own words.")
        proxy = id_field(
            required=False, allow_null=True, help_text="The authorised proxy speaking for the patient, if any."
        )

    @extend_schema(
        operation_id="complaint_create",
        request=InputSerializer,
        responses={201: ComplaintOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request) -> Response:
        data = self.input_data(request)
        complaint = services.complaint_file(
            patient_id=data["patient"].pk,
            invoice_id=data["invoice"],
            line_ids=data["lines"],
            channel=data["channel"],
            category=data["category"],
            description=data["description"],
            proxy_id=data.get("proxy"),
            by=staff_member(request),
        )
        return complaint_response(complaint.pk, request, status_code=status.HTTP_201_CREATED)


class ComplaintDetailApi(StaffApi):
    """The complaint with its decision, adjustment requests and follow-up calls. Each read is audited."""

    required_permission = "disputes.view_complaint"
    etag = True

    @extend_schema(operation_id="complaint_retrieve", responses={200: ComplaintOutputSerializer, **REFUSED})
    def get(self, request: Request, complaint_id: int) -> Response:
        complaint = _get_complaint(complaint_id)
        log_read(complaint)
        return Response(complaint_output(complaint, request))


class ComplaintMetApi(StaffApi):
    """Record that staff met (or called) the patient: the meeting deadline no longer escalates."""

    required_permission = "disputes.add_complaint"

    @extend_schema(
        operation_id="complaint_mark_met",
        request=None,
        responses={200: ComplaintOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        services.complaint_mark_met(complaint_id=complaint_id, by=staff_member(request))
        return complaint_response(complaint_id, request)


class ComplaintAcceptProposalApi(StaffApi):
    """The patient accepted the proposal: request the adjustment it proposed, to be approved by a colleague.

    A proposal that moves no money (explanation, plan, deferral, hold) is refused with 409.
    """

    required_permission = "disputes.close_complaint"

    @extend_schema(
        operation_id="complaint_accept_proposal",
        request=None,
        responses={201: AdjustmentOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        adjustment = services.complaint_accept_proposal(complaint_id=complaint_id, by=staff_member(request))
        output = AdjustmentOutputSerializer(adjustment, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class ComplaintCloseApi(StaffApi):
    """Close with the outcome and what will prevent a repeat; the follow-up call is scheduled a few days later.

    Refused with 409 while an adjustment request is still waiting for approval.
    """

    # Billing, providers and the office manager close; the front desk too, for an explanation-only complaint
    # routed to it: the complaint decides (permissions.complaint_close_refusal), checked before the input.
    required_permission = "disputes.view_complaint"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ComplaintClose"

        outcome = serializers.ChoiceField(choices=Complaint.Outcome.choices)
        prevention_note = TextField(
            allow_blank=True, help_text="What will be done so it does not happen again (required, not blank)."
        )
        resolution_note = TextField(allow_blank=True, default="", help_text="Internal notes on the steps taken.")
        resolution_text = TextField(
            allow_blank=True,
            default="",
            help_text="What the resolution letter tells the patient: the steps taken and the result.",
        )

    @extend_schema(
        operation_id="complaint_close",
        request=InputSerializer,
        responses={200: ComplaintOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        complaint = _get_complaint(complaint_id)
        refusal = permissions.complaint_close_refusal(request.user, complaint, complaint.decision.proposal_kind)
        if refusal:
            raise PermissionDenied(refusal)
        data = self.input_data(request)
        services.complaint_close(complaint_id=complaint_id, by=staff_member(request), **data)
        return complaint_response(complaint_id, request)


urlpatterns = [
    path("complaints/<int:complaint_id>/", ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path("complaints/<int:complaint_id>/met/", ComplaintMetApi.as_view(), name="api-complaint-met"),
    path(
        "complaints/<int:complaint_id>/accept-proposal/",
        ComplaintAcceptProposalApi.as_view(),
        name="api-complaint-accept-proposal",
    ),
    path("complaints/<int:complaint_id>/close/", ComplaintCloseApi.as_view(), name="api-complaint-close"),
]
