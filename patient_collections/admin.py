"""Admin for collections. Call outcomes are recorded through disputes.services (the staff calls list), so
follow-up calls are read-only here."""

from django.contrib import admin

from invoices.admin import ReadOnlyAdmin

from .models import FollowUpCall


@admin.register(FollowUpCall)
class FollowUpCallAdmin(ReadOnlyAdmin):
    list_display = ("id", "patient", "reason", "role", "due_at", "attempts", "outcome", "completed_at")
    list_filter = ("reason", "outcome", "role")
    search_fields = ("patient__name", "idempotency_key")
    list_select_related = ("patient",)
    date_hierarchy = "due_at"
