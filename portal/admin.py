"""Admin for the portal's public content: help articles (the price list is the service catalogue). Changes are
audited."""

from django.contrib import admin
from django.http import HttpRequest

from portal.models import HelpArticle


@admin.register(HelpArticle)
class HelpArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "position", "is_published", "updated_at"]
    list_filter = ["language", "is_published"]
    search_fields = ["title", "slug", "body"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: HelpArticle, form: object, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
