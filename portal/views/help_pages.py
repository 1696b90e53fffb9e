"""Public portal pages that need no sign-in: help articles, the price list and the US good-faith estimate."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from clinic_billing.languages import clinic_language, pick_localised
from portal import help_staff_views
from portal.estimates import DISPUTE_THRESHOLD, good_faith_estimate_pdf
from portal.models import HelpArticle, ServiceItem

EXEMPTION_CARD_ARTICLE = "exemption-card"
MAX_QUANTITY = 20
MAX_ITEMS = 50
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


class EstimateForm(forms.Form):
    """Services and quantities for a good-faith estimate; each chosen service has its own quantity field."""

    services = forms.MultipleChoiceField(
        label=_("Services you expect to need"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one service."),
            "invalid_choice": _("Choose services from the price list."),
        },
    )
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    service_date = forms.DateField(
        label=_("Expected date of service"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date, for example 2026-03-31.")},
    )

    def __init__(self, *args: object, service_items: list[ServiceItem], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.service_items = {item.code: item for item in service_items}
        choices_field = self.fields["services"]
        assert isinstance(choices_field, forms.MultipleChoiceField)
        choices_field.choices = [(item.code, item.name) for item in service_items]
        for item in service_items:
            # Parsed in clean(), and only for the services ticked: a stray value beside an unticked
            # service is not the visitor's problem.
            self.fields[self.quantity_field_name(item.code)] = forms.CharField(
                label=_("Quantity"),
                initial="1",
                required=False,
                widget=forms.NumberInput(attrs={"min": 1, "max": MAX_QUANTITY, "inputmode": "numeric"}),
            )

    @staticmethod
    def quantity_field_name(code: str) -> str:
        return f"quantity-{code}"

    def clean_service_date(self) -> date | None:
        service_date: date | None = self.cleaned_data.get("service_date")
        if service_date is not None and not (
            timezone.localdate() <= service_date <= timezone.localdate() + timedelta(days=366)
        ):
            raise forms.ValidationError(_("Enter a date between today and one year from now."))
        return service_date

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        chosen: list[tuple[ServiceItem, int]] = []
        for code in cleaned.get("services", []):
            field_name = self.quantity_field_name(code)
            text = (cleaned.get(field_name) or "").strip()
            quantity = int(text) if re.fullmatch(r"[0-9]{1,4}", text) else None
            if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
                self.add_error(
                    field_name,
                    forms.ValidationError(
                        _("Enter a whole number from 1 to %(limit)s, or untick the service."),
                        params={"limit": MAX_QUANTITY},
                    ),
                )
                continue
            chosen.append((self.service_items[code], quantity))
        if sum(quantity for _item, quantity in chosen) > MAX_ITEMS:
            raise forms.ValidationError(
                _("An estimate can list at most %(limit)s items in all. Ask us for a larger estimate."),
                params={"limit": MAX_ITEMS},
            )
        cleaned["items"] = chosen
        return cleaned

    def rows(self) -> list[tuple[ServiceItem, bool, forms.BoundField]]:
        """Each service, whether it is ticked, and its quantity field, for the template."""
        ticked = set(self["services"].value() or [])
        return [
            (item, code in ticked, self[self.quantity_field_name(code)]) for code, item in self.service_items.items()
        ]


def _price_page(request: HttpRequest, form: EstimateForm | None, status: int = 200) -> HttpResponse:
    # Query: the price list (one query; the estimate form reuses the same rows).
    services = list(ServiceItem.objects.all())
    offers_estimate = settings.BILLING_JURISDICTION == "US"
    if offers_estimate and form is None:
        form = EstimateForm(service_items=[item for item in services if item.is_available])
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
    form = EstimateForm(request.POST, service_items=list(ServiceItem.objects.filter(is_available=True)))
    if not form.is_valid():
        return _price_page(request, form, status=400)
    pdf = good_faith_estimate_pdf(
        form.cleaned_data["items"], form.cleaned_data["name"], form.cleaned_data["service_date"]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="good-faith-estimate.pdf"'
    return response


urlpatterns = [
    path("help/", help_list, name="portal-help"),
    path("help/<slug:slug>/", help_article, name="portal-help-article"),
    path("prices/", price_list, name="portal-prices"),
    path("prices/estimate.pdf", estimate_pdf, name="portal-estimate-pdf"),
    *help_staff_views.urlpatterns,
]
