"""Public portal pages that need no sign-in: help articles, the price list and the US good-faith estimate."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from catalogue.selectors import catalogue_entries
from clinic_billing.languages import clinic_language, pick_localised
from patients.models import Patient
from portal import estimate_staff_views, help_staff_views
from portal.estimate_forms import MAX_QUANTITY, EstimateForm
from portal.estimates import DISPUTE_THRESHOLD, estimable_from, estimable_services, good_faith_estimate_issue
from portal.models import HelpArticle

EXEMPTION_CARD_ARTICLE = "exemption-card"
# In France, written price information is due before care whose fees (overbilling included) reach this amount.
FR_PRIOR_PRICE_INFORMATION_FROM = Decimal("70.00")


def _reader_language() -> str:
    return (get_language() or clinic_language()).split("-")[0]


@dataclass(frozen=True)
class HelpPage:
    """An article as the reader gets it: their language's version, else the clinic's (then any), marked."""

    article: HelpArticle
    is_fallback: bool


def _published_articles(slug: str | None = None) -> list[HelpPage]:
    """Published articles in the reader's language, each missing translation replaced by the clinic's version
    (else any other, so an address never goes blank), marked as a fallback.

    One query: every language's version is read together and the shared fallback picks one per address.
    """
    articles = HelpArticle.objects.filter(is_published=True)
    if slug is not None:
        articles = articles.filter(slug=slug)
    by_address: dict[str, dict[str, HelpArticle]] = {}
    for article in articles:
        by_address.setdefault(article.slug, {})[article.language] = article
    pages = []
    for versions in by_address.values():
        chosen = pick_localised(versions, _reader_language())
        if chosen is not None:
            pages.append(HelpPage(chosen.value, chosen.is_fallback))
    return sorted(pages, key=lambda page: (page.article.position, page.article.title))


@require_GET
def help_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/help/list.html", {"pages": _published_articles()})


@require_GET
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    pages = _published_articles(slug)
    if not pages:
        raise Http404
    return render(request, "portal/help/article.html", {"page": pages[0], "article": pages[0].article})


def _signed_in_patient(request: HttpRequest) -> Patient | None:
    """The patient whose own portal account is signed in (a proxy asks for someone else: no link is guessed)."""
    if not request.user.is_authenticated:
        return None
    # Query: the patient of the signed-in account, if any.
    return Patient.objects.filter(user_id=request.user.pk).first()


def _what_the_portal_knows(request: HttpRequest) -> dict[str, object]:
    """The signed-in patient's name and date of birth, to start the estimate form with."""
    patient = _signed_in_patient(request)
    return {"name": patient.name, "date_of_birth": patient.date_of_birth} if patient else {}


def _price_page(request: HttpRequest, form: EstimateForm | None, status: int = 200) -> HttpResponse:
    # Queries: the catalogue's services, their texts, their prices today (the estimate form reuses them).
    services = catalogue_entries(on=timezone.localdate(), language=_reader_language())
    offers_estimate = settings.BILLING_JURISDICTION == "US"
    if offers_estimate and form is None:
        form = EstimateForm(services=estimable_from(services), initial=_what_the_portal_knows(request))
    context = {
        "services": services,
        "jurisdiction": settings.BILLING_JURISDICTION,
        "exemption_card_article": EXEMPTION_CARD_ARTICLE,
        "form": form if offers_estimate else None,
        "max_quantity": MAX_QUANTITY,
        "dispute_threshold": DISPUTE_THRESHOLD,
        "prior_information_threshold": FR_PRIOR_PRICE_INFORMATION_FROM,
    }
    return render(request, "portal/prices/list.html", context, status=status)


@require_GET
def price_list(request: HttpRequest) -> HttpResponse:
    return _price_page(request, None)


@require_http_methods(["POST"])
def estimate_pdf(request: HttpRequest) -> HttpResponse:
    """A good-faith estimate PDF for the services a self-pay visitor chose (US profile only)."""
    if settings.BILLING_JURISDICTION != "US":
        raise Http404
    form = EstimateForm(request.POST, services=estimable_services())
    if not form.is_valid():
        return _price_page(request, form, status=400)
    estimate = good_faith_estimate_issue(request=form.estimate_request(), patient=_signed_in_patient(request))
    response = HttpResponse(bytes(estimate.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="good-faith-estimate-{estimate.number}.pdf"'
    return response


urlpatterns = [
    path("help/", help_list, name="portal-help"),
    path("help/<slug:slug>/", help_article, name="portal-help-article"),
    path("prices/", price_list, name="portal-prices"),
    path("prices/estimate.pdf", estimate_pdf, name="portal-estimate-pdf"),
    *help_staff_views.urlpatterns,
    *estimate_staff_views.urlpatterns,
]
