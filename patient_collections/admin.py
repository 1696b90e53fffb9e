"""Admin for collections. Call outcomes are recorded through disputes.services (the staff calls list), so
follow-up calls are read-only here; so are the status histories (reminders, plans, instalments, cases), which
only the lifecycle writes."""

from django.contrib import admin

from invoices.admin import ReadOnlyAdmin

from .models import (
    CollectionCaseStatusChange,
    FollowUpCall,
    InstalmentStatusChange,
    PaymentPlanStatusChange,
    ReminderStatusChange,
)


@admin.register(FollowUpCall)
class FollowUpCallAdmin(ReadOnlyAdmin):
    list_display = ("id", "patient", "reason", "role", "due_at", "attempts", "outcome", "completed_at")
    list_filter = ("reason", "outcome", "role")
    search_fields = ("patient__name", "idempotency_key")
    list_select_related = ("patient",)
    date_hierarchy = "due_at"


@admin.register(ReminderStatusChange)
class ReminderStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "reminder", "from_status", "to_status", "changed_by", "reason")
    list_filter = ("to_status",)
    search_fields = ("reminder__invoice__number", "reason")
    list_select_related = ("reminder", "reminder__invoice", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(PaymentPlanStatusChange)
class PaymentPlanStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "plan", "from_status", "to_status", "changed_by", "reason")
    list_filter = ("to_status",)
    search_fields = ("plan__invoice__number", "reason")
    list_select_related = ("plan", "plan__invoice", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(InstalmentStatusChange)
class InstalmentStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "instalment", "from_status", "to_status", "changed_by", "reason")
    list_filter = ("to_status",)
    search_fields = ("instalment__plan__invoice__number", "reason")
    list_select_related = ("instalment", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(CollectionCaseStatusChange)
class CollectionCaseStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("case", "from_status", "to_status", "changed_at", "changed_by", "reason")
    list_filter = ("to_status",)
    list_select_related = ("case", "case__invoice", "changed_by")
