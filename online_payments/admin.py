"""Admin for online payment: read-only. Only the provider's verified webhook moves a checkout, so billing reads
here which payments were refused for posting (paid, but not the amount or currency asked for) and posts them by
hand after checking them in the provider's dashboard."""

from django.contrib import admin

from invoices.admin import ReadOnlyAdmin

from .models import CheckoutSession, CheckoutSessionStatusChange, ProcessedEvent


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "invoice", "instalment", "amount", "currency", "status", "payment_intent")
    list_filter = ("status", "provider")
    search_fields = ("invoice__number", "provider_session_id", "payment_intent")
    list_select_related = ("invoice", "instalment")
    date_hierarchy = "created_at"


@admin.register(CheckoutSessionStatusChange)
class CheckoutSessionStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "checkout_session", "from_status", "to_status", "reason")
    list_filter = ("to_status",)
    search_fields = ("checkout_session__invoice__number", "reason")
    list_select_related = ("checkout_session", "checkout_session__invoice")
    date_hierarchy = "changed_at"


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(ReadOnlyAdmin):
    list_display = ("processed_at", "provider", "event_id", "event_type")
    list_filter = ("provider", "event_type")
    search_fields = ("event_id",)
    date_hierarchy = "processed_at"
