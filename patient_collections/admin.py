"""Admin for collections. Call outcomes are recorded through disputes.services (the staff calls list) and
cases move only through patient_collections.services, so follow-up calls and case histories are read-only here."""

from django.contrib import admin

from invoices.admin import ReadOnlyAdmin

from .models import CollectionCaseStatusChange, FollowUpCall


@admin.register(FollowUpCall)
class FollowUpCallAdmin(ReadOnlyAdmin):
    list_display = ("id", "patient", "reason", "role", "due_at", "attempts", "outcome", "completed_at")
    list_filter = ("reason", "outcome", "role")
    search_fields = ("patient__name", "idempotency_key")
    list_select_related = ("patient",)
    date_hierarchy = "due_at"


@admin.register(CollectionCaseStatusChange)
class CollectionCaseStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("case", "from_status", "to_status", "changed_at", "changed_by", "reason")
    list_filter = ("to_status",)
    list_select_related = ("case", "case__invoice", "changed_by")
