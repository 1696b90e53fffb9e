"""Admin for the portal's public content: help articles and the price list. Changes are audited."""

from django.contrib import admin
from django.http import HttpRequest

from portal.models import HelpArticle, ServiceItem


@admin.register(HelpArticle)
class HelpArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "position", "is_published", "updated_at"]
    list_filter = ["language", "is_published"]
    search_fields = ["title", "slug", "body"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: HelpArticle, form: object, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "price",
        "exemption_card_applies",
        "is_available",
        "estimable",
        "code_system",
        "standard_code",
        "position",
    ]
    list_editable = ["price", "is_available", "position"]
    list_filter = ["is_available", "exemption_card_applies", "estimable"]
    search_fields = ["code", "name"]
