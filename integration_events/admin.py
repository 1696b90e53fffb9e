"""Admin for webhooks: the endpoints (their secret shown once, when created, then masked), the delivery log with a
"redeliver" action, and the events, read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.validators import URLValidator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Event, EventType, WebhookDelivery, WebhookDeliveryStatusChange, WebhookEndpoint
from .services import webhook_deliveries_redeliver


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"), max_length=500, assume_scheme="https", validators=[URLValidator(schemes=["http", "https"])]
    )
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "active", "masked_secret", "created_at")
    list_filter = ("active",)
    readonly_fields = ("masked_secret", "created_at")

    @admin.display(description=_("signing secret"))
    def masked_secret(self, obj: WebhookEndpoint) -> str:
        return obj.masked_secret if obj.pk else "—"

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # The only time the whole secret is shown: the receiver needs it to check signatures.
            messages.warning(
                request,
                _("Signing secret of this endpoint, shown only now: %(secret)s. Give it to the receiver.")
                % {"secret": obj.secret},
            )


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "created_at", "object_type", "object_id", "patient_id")
    list_filter = ("type",)
    search_fields = ("=id", "=object_id", "=patient_id")
    date_hierarchy = "created_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_response_code",
        "last_error",
        "delivered_at",
    )
    list_filter = ("status", "endpoint")
    search_fields = ("=event__id", "endpoint__url")
    list_select_related = ("event", "endpoint")
    date_hierarchy = "created_at"
    actions = ["redeliver"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The redeliver action needs the change permission; the form itself stays read-only (no fields).
        return obj is None and bool(request.user.has_perm("integration_events.change_webhookdelivery"))

    @admin.action(description=_("Send again"), permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued = webhook_deliveries_redeliver(
            delivery_ids=queryset.values_list("pk", flat=True),
            by=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
        )
        messages.success(
            request,
            ngettext(
                "%(count)d delivery queued to be sent again.",
                "%(count)d deliveries queued to be sent again.",
                len(queued),
            )
            % {"count": len(queued)},
        )


@admin.register(WebhookDeliveryStatusChange)
class WebhookDeliveryStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "delivery", "from_status", "to_status", "changed_by", "reason")
    list_filter = ("to_status",)
    list_select_related = ("delivery", "changed_by")
    date_hierarchy = "changed_at"
