"""Staff editing of the help articles under /portal/manage/help/ (permission portal.change_helparticle).

Each save goes through the model, so django-auditlog records who changed which field and when.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clinic_billing.roles import StaffRequest, acting_user, require_perm, staff_only
from portal.models import HelpArticle

PERMISSION = "portal.change_helparticle"


class HelpArticleForm(forms.ModelForm):
    class Meta:
        model = HelpArticle
        fields = ["title", "summary", "body", "position", "is_published"]
        widgets = {
            "title": forms.TextInput(attrs={"class": "form-control"}),
            "summary": forms.TextInput(attrs={"class": "form-control"}),
            "body": forms.Textarea(attrs={"class": "form-control", "rows": 14}),
            "position": forms.NumberInput(attrs={"class": "form-control"}),
            "is_published": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }


@require_GET
@staff_only
def help_article_list(request: HttpRequest) -> HttpResponse:
    """Every article in every language, grouped by address (one query)."""
    require_perm(request, PERMISSION)
    groups: dict[str, list[HelpArticle]] = {}
    for article in HelpArticle.objects.order_by("position", "slug", "language"):
        groups.setdefault(article.slug, []).append(article)
    return render(request, "staff/help/article_list.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
@staff_only
def help_article_edit(request: StaffRequest, article_id: int) -> HttpResponse:
    require_perm(request, PERMISSION)
    article = get_object_or_404(HelpArticle, pk=article_id)
    form = HelpArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        edited = form.save(commit=False)
        edited.updated_by = acting_user(request)
        edited.save()
        messages.success(request, _("The help article was saved."))
        return redirect("portal:help-article-list")
    return render(request, "staff/help/article_edit.html", {"form": form, "article": article})


urlpatterns = [
    path("manage/help/", help_article_list, name="help-article-list"),
    path("manage/help/<int:article_id>/", help_article_edit, name="help-article-edit"),
]
