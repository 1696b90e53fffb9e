"""Staff forms of the catalogue. Forms parse input; catalogue.services decides what is allowed."""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clinic_billing.forms import StaffForm, TypedDecimalField
from clinic_billing.languages import clinic_language, language_codes

from .models import Service
from .selectors import ServiceWords
from .services import ServiceInput
from .vocabulary import CodingSystem, Coverage, ServiceKind


def languages_clinic_first() -> list[str]:
    """The product's languages with the clinic's first: the one every reader falls back to is written first."""
    return [clinic_language(), *(code for code in language_codes() if code != clinic_language())]


def language_name(code: str) -> str:
    """A language's name as settings.LANGUAGES spells it, in the reader's language ("Norwegian Bokmål")."""
    return str(dict(settings.LANGUAGES).get(code, code))


class ServiceForm(StaffForm):
    """A service's fields (ServiceInput) and its name and explanation in every language; the clinic's is required."""

    code = forms.CharField(label=_("Service code"), max_length=20)
    coding_system = forms.ChoiceField(label=_("Coding system"), choices=CodingSystem.choices)
    kind = forms.ChoiceField(label=_("Kind of service"), choices=ServiceKind.choices)
    default_coverage = forms.ChoiceField(
        label=_("Paid by, unless staff change it"), choices=Coverage.choices, initial=Coverage.PATIENT
    )
    exemption_card_applies = forms.BooleanField(
        label=_("Covered after the exemption card limit"),
        required=False,
        initial=True,
        help_text=_("Off for materials, certificates, copies of records and no-show fees."),
    )
    estimable = forms.BooleanField(
        label=_("May be on a good-faith estimate"),
        required=False,
        initial=True,
        help_text=_("Off for fees that are not care, such as a missed appointment fee."),
    )
    help_article_slug = forms.SlugField(
        label=_("Help article"),
        max_length=80,
        required=False,
        help_text=_("The address of the help article bills link to."),
    )
    is_available = forms.BooleanField(label=_("Offered now"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order in the price list"), min_value=0, max_value=32767, initial=10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in languages_clinic_first():
            language = language_name(code)
            is_clinic_language = code == clinic_language()
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": language},
                max_length=200,
                required=is_clinic_language,
                help_text=_("Patients whose language has no name read this one.") if is_clinic_language else "",
            )
            self.fields[f"explanation_{code}"] = forms.CharField(
                label=_("What it includes, in %(language)s") % {"language": language},
                max_length=500,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            for name in (f"name_{code}", f"explanation_{code}"):
                self.fields[name].widget.attrs.update({"class": "form-control", "lang": code})

    @staticmethod
    def initial_of(service: Service) -> dict[str, object]:
        """The form's initial values for a service whose texts are prefetched."""
        initial: dict[str, object] = {
            name: getattr(service, name)
            for name in (
                "code",
                "coding_system",
                "kind",
                "default_coverage",
                "exemption_card_applies",
                "estimable",
                "help_article_slug",
                "is_available",
                "position",
            )
        }
        for text in service.texts.all():
            initial[f"name_{text.language}"] = text.name
            initial[f"explanation_{text.language}"] = text.explanation
        return initial

    def language_fields(self) -> list[tuple[str, str, bool, forms.BoundField, forms.BoundField]]:
        """Per language, clinic's first: its code, its name, whether it is required, and its two fields."""
        return [
            (code, language_name(code), code == clinic_language(), self[f"name_{code}"], self[f"explanation_{code}"])
            for code in languages_clinic_first()
        ]

    def service_fields(self) -> list[forms.BoundField]:
        return [field for field in self if not field.name.startswith(("name_", "explanation_"))]

    def service_input(self) -> ServiceInput:
        data = self.cleaned_data
        return ServiceInput(
            code=data["code"],
            coding_system=data["coding_system"],
            kind=data["kind"],
            default_coverage=data["default_coverage"],
            exemption_card_applies=data["exemption_card_applies"],
            estimable=data["estimable"],
            help_article_slug=data["help_article_slug"],
            is_available=data["is_available"],
            position=data["position"],
        )

    def texts(self) -> dict[str, ServiceWords]:
        return {
            code: ServiceWords(self.cleaned_data[f"name_{code}"], self.cleaned_data[f"explanation_{code}"])
            for code in language_codes()
        }


class PriceForm(StaffForm):
    amount = TypedDecimalField(
        label=_("New price"), max_digits=12, decimal_places=2, min_value=Decimal("0.00"), localize=True
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The price before it ends the day before. Bills already written keep their price."),
    )
