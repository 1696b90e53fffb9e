"""The public form for a US good-faith estimate: the patient, the services and quantities, and other providers.

Everything the estimate must state that only the patient (or their doctor's referral) can tell is asked here:
name and date of birth, the scheduled date, diagnosis codes, care to be booked separately, and the providers or
facilities other than the clinic with their NPI, TIN, location, service code and expected charge.
"""

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.estimates import EstimableService, EstimateLine, EstimateProvider, EstimateRequest

MAX_QUANTITY = 20
MAX_ITEMS = 50
MAX_DIAGNOSIS_CODES = 12
MAX_SEPARATE_ITEMS = 10
CO_PROVIDER_ROWS = 3
OLDEST_AGE_YEARS = 130
# ICD-10-CM: a letter, two characters, then optionally a dot and up to four more ("E11.9", "S72.001A").
ICD10_CODE = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
# CPT: five digits, or four and a letter (category II/III, "0001F"); HCPCS level II: a letter and four digits.
CPT_CODE = re.compile(r"[0-9]{4}[0-9A-Z]")
HCPCS_CODE = re.compile(r"[A-V][0-9]{4}")
TIN = re.compile(r"[0-9]{2}-?[0-9]{7}")
LARGEST_CHARGE = Decimal("1000000.00")


def npi_is_valid(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit of the other nine prefixed by 80840 (the NPI standard)."""
    if not re.fullmatch(r"[0-9]{10}", npi):
        return False
    total = 0
    for position, digit in enumerate(reversed("80840" + npi)):
        value = int(digit)
        if position % 2 == 1:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return total % 10 == 0


def code_system_of(code: str) -> str:
    """CPT or HCPCS, from the code's form."""
    return "HCPCS" if HCPCS_CODE.fullmatch(code) else "CPT"


class CoProviderForm(forms.Form):
    """One item another provider or facility is expected to furnish; a row left empty is no item."""

    provider_name = forms.CharField(label=_("Provider or facility"), max_length=200, required=False)
    npi = forms.CharField(label=_("NPI"), max_length=10, required=False)
    tin = forms.CharField(label=_("TIN"), max_length=10, required=False)
    location = forms.CharField(label=_("Where the care is given (address and state)"), max_length=300, required=False)
    service = forms.CharField(label=_("Item or service"), max_length=200, required=False)
    code = forms.CharField(label=_("Service code (CPT or HCPCS)"), max_length=5, required=False)
    charge = forms.CharField(label=_("Expected charge"), max_length=20, required=False)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        values = {name: (cleaned.get(name) or "").strip() for name in self.fields}
        if not any(values.values()):
            cleaned["provider"] = None
            return cleaned
        for name, value in values.items():
            if not value:
                self.add_error(name, _("Fill in every box of this provider's row, or leave the row empty."))
        if values["npi"] and not npi_is_valid(values["npi"]):
            self.add_error("npi", _("Enter the provider's 10-digit NPI."))
        if values["tin"] and not TIN.fullmatch(values["tin"]):
            self.add_error("tin", _("Enter the 9-digit TIN, for example 12-3456789."))
        code = values["code"].upper()
        if code and not (CPT_CODE.fullmatch(code) or HCPCS_CODE.fullmatch(code)):
            self.add_error("code", _("Enter a CPT code (5 characters, such as 99213) or a HCPCS code (such as A4649)."))
        charge = _amount(values["charge"])
        if values["charge"] and charge is None:
            self.add_error("charge", _("Enter an amount in dollars, for example 125.00."))
        if self.errors:
            return cleaned
        assert charge is not None
        cleaned["provider"] = EstimateProvider(
            name=values["provider_name"],
            npi=values["npi"],
            tin=values["tin"],
            location=values["location"],
            lines=(
                EstimateLine(
                    code=code,
                    code_system=code_system_of(code),
                    name=values["service"],
                    description="",
                    quantity=1,
                    unit_price=charge,
                ),
            ),
        )
        return cleaned


# Dollars as typed: "1,250.00" or "1250" or "$60"; a comma only between groups of three digits, so "125,00" (a
# decimal comma, as a reader of another language types it) is refused rather than read as 12,500.
DOLLARS = re.compile(r"\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")


def _amount(text: str) -> Decimal | None:
    if not DOLLARS.fullmatch(text.strip()):
        return None
    try:
        amount = Decimal(text.replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    if (
        not amount.is_finite()
        or not Decimal("0") <= amount <= LARGEST_CHARGE
        or amount != amount.quantize(Decimal("0.01"))
    ):
        return None
    return amount.quantize(Decimal("0.01"))


CoProviderFormSet = forms.formset_factory(
    CoProviderForm, extra=CO_PROVIDER_ROWS, max_num=CO_PROVIDER_ROWS, absolute_max=CO_PROVIDER_ROWS
)


def group_by_provider(providers: list[EstimateProvider]) -> tuple[EstimateProvider, ...]:
    """One provider per NPI, holding all its items in the order typed."""
    grouped: dict[str, EstimateProvider] = {}
    for provider in providers:
        known = grouped.get(provider.npi)
        grouped[provider.npi] = provider if known is None else replace(known, lines=known.lines + provider.lines)
    return tuple(grouped.values())


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
    primary = forms.ChoiceField(
        label=_("The main service"),
        required=False,
        help_text=_("The service the others go with. If you leave this empty, the first service you ticked."),
        error_messages={"invalid_choice": _("Choose services from the price list.")},
    )
    name = forms.CharField(
        label=_("Your name"), max_length=200, error_messages={"required": _("Enter your name as on your ID.")}
    )
    date_of_birth = forms.DateField(
        label=_("Your date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Enter a date, for example 1980-03-31."),
        },
    )
    service_date = forms.DateField(
        label=_("Date the main service is scheduled"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date, for example 2026-03-31.")},
    )
    diagnosis_codes = forms.CharField(
        label=_("Diagnosis codes (ICD-10), if your doctor gave you any"),
        max_length=200,
        required=False,
        help_text=_("Separate codes with commas, for example E11.9, I10."),
    )
    separately_scheduled = forms.CharField(
        label=_("Care you expect to book separately, before or after"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item a line, for example a follow-up visit. We give you a separate estimate for each."),
    )

    def __init__(self, *args: object, services: list[EstimableService], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.service_items = {service.key: service for service in services}
        choices = [(service.key, service.name) for service in services]
        for field_name in ("services", "primary"):
            choices_field = self.fields[field_name]
            assert isinstance(choices_field, forms.ChoiceField)
            choices_field.choices = choices if field_name == "services" else [("", ""), *choices]
        for service in services:
            # Parsed in clean(), and only for the services ticked: a stray value beside an unticked
            # service is not the visitor's problem.
            self.fields[self.quantity_field_name(service.key)] = forms.CharField(
                label=_("Quantity"),
                initial="1",
                required=False,
                widget=forms.NumberInput(attrs={"min": 1, "max": MAX_QUANTITY, "inputmode": "numeric"}),
            )
        self.co_providers = CoProviderFormSet(self._co_provider_data() if self.is_bound else None, prefix="co")

    def _co_provider_data(self) -> dict[str, object]:
        # The page always shows the same rows: their count is the form's, not the visitor's to post.
        data = {key: self.data.get(key) for key in self.data}
        data.update({"co-TOTAL_FORMS": str(CO_PROVIDER_ROWS), "co-INITIAL_FORMS": "0"})
        return data

    @staticmethod
    def quantity_field_name(code: str) -> str:
        return f"quantity-{code}"

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if not today - timedelta(days=366 * OLDEST_AGE_YEARS) <= born <= today:
            raise forms.ValidationError(_("Enter your date of birth: it cannot be in the future."))
        return born

    def clean_service_date(self) -> date | None:
        service_date: date | None = self.cleaned_data.get("service_date")
        if service_date is not None and not (
            timezone.localdate() <= service_date <= timezone.localdate() + timedelta(days=366)
        ):
            raise forms.ValidationError(_("Enter a date between today and one year from now."))
        return service_date

    def clean_diagnosis_codes(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("diagnosis_codes") or ""
        codes = tuple(dict.fromkeys(code.upper() for code in re.split(r"[\s,;]+", text) if code))
        wrong = [code for code in codes if not ICD10_CODE.fullmatch(code)]
        if wrong:
            raise forms.ValidationError(
                _("%(codes)s is not an ICD-10 code. Codes look like E11.9 or I10."), params={"codes": ", ".join(wrong)}
            )
        if len(codes) > MAX_DIAGNOSIS_CODES:
            raise forms.ValidationError(
                _("Enter at most %(limit)s diagnosis codes."), params={"limit": MAX_DIAGNOSIS_CODES}
            )
        return codes

    def clean_separately_scheduled(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("separately_scheduled") or ""
        items = tuple(line.strip() for line in text.splitlines() if line.strip())
        if len(items) > MAX_SEPARATE_ITEMS or any(len(item) > 200 for item in items):
            raise forms.ValidationError(
                _("Enter at most %(limit)s items of up to 200 characters, one a line."),
                params={"limit": MAX_SEPARATE_ITEMS},
            )
        return items

    def is_valid(self) -> bool:
        # Both run, so the error summary lists the services' and the other providers' problems together; the
        # form's own error about those rows is what opens the summary when they are its only problem.
        own = super().is_valid()
        if self.co_providers.is_valid():
            return own
        self.add_error(None, _("Check the rows of the other providers or facilities."))
        return False

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        chosen: list[tuple[EstimableService, int]] = []
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
        primary = cleaned.get("primary")
        ticked = cleaned.get("services", [])
        if sum(quantity for _item, quantity in chosen) > MAX_ITEMS:
            self.add_error(
                "services",
                forms.ValidationError(
                    _("An estimate can list at most %(limit)s items in all. Ask us for a larger estimate."),
                    params={"limit": MAX_ITEMS},
                ),
            )
        if primary and primary not in ticked:
            self.add_error("primary", _("Tick the main service in the list of services too."))
        cleaned["items"] = chosen
        cleaned["primary_service"] = self.service_items[primary or ticked[0]] if ticked else None
        return cleaned

    def estimate_request(self) -> EstimateRequest:
        """The valid form as what the estimate is made from."""
        cleaned = self.cleaned_data
        providers = [row.cleaned_data["provider"] for row in self.co_providers if row.cleaned_data.get("provider")]
        return EstimateRequest(
            patient_name=cleaned["name"].strip(),
            date_of_birth=cleaned["date_of_birth"],
            items=tuple(cleaned["items"]),
            primary=cleaned["primary_service"],
            service_date=cleaned["service_date"],
            diagnosis_codes=cleaned["diagnosis_codes"],
            co_providers=group_by_provider(providers),
            separately_scheduled=cleaned["separately_scheduled"],
        )

    def typed_fields(self) -> list[forms.BoundField]:
        """The one-line fields the template draws alike, in their order on the page."""
        return [self[name] for name in ("name", "date_of_birth", "service_date", "diagnosis_codes")]

    def summary_fields(self) -> list[forms.BoundField]:
        """The fields below the services, in their order on the page, for the error summary."""
        return [self["primary"], *self.typed_fields(), self["separately_scheduled"]]

    def rows(self) -> list[tuple[EstimableService, bool, forms.BoundField]]:
        """Each service, whether it is ticked, and its quantity field, for the template."""
        ticked = set(self["services"].value() or [])
        return [
            (service, code in ticked, self[self.quantity_field_name(code)])
            for code, service in self.service_items.items()
        ]
