"""Admin for disputes: a window on what was decided. Policies change only through the office manager's
editor (a new version each time) and complaints only through disputes.services, so everything is read-only."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from invoices.admin import ReadOnlyAdmin

from .models import (
    AdjustmentRequest,
    AdjustmentRequestStatusChange,
    Complaint,
    ComplaintStatusChange,
    Decision,
    Policy,
    PolicyRule,
)
from .office_forms import RuleForm


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class PolicyRuleInline(ReadOnlyInline):
    model = PolicyRule
    fields = (
        "position",
        "names",
        "categories",
        "min_amount",
        "max_amount",
        "insurance_statuses",
        *RuleForm.OUTCOME_FIELDS,
        "scripts",
    )
    readonly_fields = fields


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ("version", "is_active", "approval_threshold", "small_claim_threshold", "follow_up_days", "note")
    inlines = [PolicyRuleInline]


class DecisionInline(admin.StackedInline):
    model = Decision
    can_delete = False
    fields = (
        "policy_version",
        "rule_position",
        "rule_names",
        "route_to",
        "meeting_within_hours",
        "proposal_kind",
        "proposal_amount",
        "approval_role",
        "scripts",
        "facts",
        "notes",
        "decided_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class StatusChangeInline(ReadOnlyInline):
    model = ComplaintStatusChange
    fields = ("changed_at", "from_status", "to_status", "changed_by", "reason")
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("id", "patient", "invoice", "category", "status", "route_to", "meeting_due_at", "received_at")
    list_filter = ("status", "category", "route_to", "channel")
    search_fields = ("patient__name", "invoice__number", "description")
    list_select_related = ("patient", "invoice")
    date_hierarchy = "received_at"
    inlines = [DecisionInline, StatusChangeInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("complaint", "policy_version", "rule_position", "route_to", "proposal_kind", "proposal_amount")
    list_filter = ("policy_version", "route_to", "proposal_kind")
    list_select_related = ("complaint", "complaint__invoice")


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "invoice", "kind", "amount", "status", "required_role", "requested_by", "decided_by")
    list_filter = ("status", "kind", "required_role")
    list_select_related = ("invoice", "requested_by", "decided_by")


@admin.register(ComplaintStatusChange)
class ComplaintStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("complaint", "from_status", "to_status", "changed_at", "changed_by", "reason")
    list_filter = ("to_status",)
    list_select_related = ("complaint", "complaint__invoice", "changed_by")


@admin.register(AdjustmentRequestStatusChange)
class AdjustmentRequestStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("adjustment", "from_status", "to_status", "changed_at", "changed_by", "reason")
    list_filter = ("to_status",)
    list_select_related = ("adjustment", "changed_by")
