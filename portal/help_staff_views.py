"""Staff editing of the help articles under /portal/manage/help/ (permission portal.change_helparticle).

An article is one row per language under one address (slug). The list and the editor show which of the
product's languages an address has no version in yet; patients then read the clinic's language, marked.
Each save goes through the model, so django-auditlog records who changed which field and when.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clinic_billing.languages import clinic_language, language_codes, missing_languages
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


@dataclass(frozen=True)
class HelpAddress:
    """One address's versions, in the order of the product's languages, and the languages it lacks."""

    slug: str
    articles: list[HelpArticle]
    missing: list[str]

    @property
    def rows(self) -> int:
        return len(self.articles) + len(self.missing)

    @property
    def missing_named(self) -> list[tuple[str, str]]:
        names = dict(settings.LANGUAGES)
        return [(code, str(names[code])) for code in self.missing]


def _addresses(articles: list[HelpArticle]) -> list[HelpAddress]:
    groups: dict[str, list[HelpArticle]] = {}
    for article in articles:
        groups.setdefault(article.slug, []).append(article)
    order = {code: index for index, code in enumerate(language_codes())}
    return [
        HelpAddress(
            slug=slug,
            articles=sorted(versions, key=lambda article: order.get(article.language, len(order))),
            missing=missing_languages({article.language for article in versions}),
        )
        for slug, versions in groups.items()
    ]


@require_GET
@staff_only
def help_article_list(request: HttpRequest) -> HttpResponse:
    """Every article in every language, grouped by address, with the languages each lacks (one query)."""
    require_perm(request, PERMISSION)
    addresses = _addresses(list(HelpArticle.objects.order_by("position", "slug", "language")))
    return render(request, "staff/help/article_list.html", {"addresses": addresses})


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
    present = set(HelpArticle.objects.filter(slug=article.slug).values_list("language", flat=True))
    address = HelpAddress(slug=article.slug, articles=[article], missing=missing_languages(present))
    context = {"form": form, "article": article, "missing": address.missing, "missing_named": address.missing_named}
    return render(request, "staff/help/article_edit.html", context)


@require_http_methods(["GET", "POST"])
@staff_only
def help_article_translate(request: StaffRequest, slug: str, language: str) -> HttpResponse:
    """Write an address's missing version in one language, beside the clinic's version (or another) to work
    from. A version that exists already opens in its editor instead."""
    require_perm(request, PERMISSION)
    if language not in language_codes():
        raise Http404
    versions = {article.language: article for article in HelpArticle.objects.filter(slug=slug)}
    if not versions:
        raise Http404
    if language in versions:
        return redirect("portal:help-article-edit", article_id=versions[language].pk)
    source = versions.get(clinic_language()) or versions.get("en") or next(iter(versions.values()))
    form = HelpArticleForm(
        request.POST or None,
        instance=HelpArticle(slug=slug, language=language),
        initial={"position": source.position, "is_published": True},
    )
    if request.method == "POST" and form.is_valid():
        created = form.save(commit=False)
        created.updated_by = acting_user(request)
        try:
            with transaction.atomic():
                created.save()
        except IntegrityError:
            # Someone saved this language's version a moment ago (one version per address and language).
            form.add_error(None, _("This version was written by someone else just now: open it from the list."))
        else:
            messages.success(request, _("The help article was saved."))
            return redirect("portal:help-article-list")
    names = dict(settings.LANGUAGES)
    context = {
        "form": form,
        "slug": slug,
        "language": language,
        "language_name": names[language],
        "source": source,
        "source_language_name": names.get(source.language, source.language),
    }
    return render(request, "staff/help/article_translate.html", context)


urlpatterns = [
    path("manage/help/", help_article_list, name="help-article-list"),
    path("manage/help/<int:article_id>/", help_article_edit, name="help-article-edit"),
    path("manage/help/<slug:slug>/<str:language>/new/", help_article_translate, name="help-article-translate"),
]
