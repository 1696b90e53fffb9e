"""The No Surprises Act good-faith estimate for uninsured and self-pay patients: issued as a PDF and kept 6 years.

The estimate holds every element 45 CFR 149.610(c)(1) requires: the patient's name and date of birth, the primary
service in plain words and its scheduled date, the items expected, grouped by provider or facility, each with its
service code and coding system and expected charge, the diagnosis codes, each provider's name, NPI, TIN and
location, the care to be scheduled separately, and the disclaimers (other care may be recommended, it is only an
estimate, the right to dispute a bill $400 or more above it within 120 days of receiving the bill, that disputing
does not affect the patient's care, and that it is not a contract).

Each estimate issued is kept as a `GoodFaithEstimate` with its PDF (`good_faith_estimate_issue`); staff find it
again with `good_faith_estimates_search`. It is rendered like the invoice: the stylesheet is inlined and
WeasyPrint's fetcher refuses every URL, since the patient's name is typed by the visitor.

The services an estimate may offer come from the price list through `estimable_from` alone, so moving to the
service catalogue changes that one function.
"""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from catalogue.selectors import CatalogueEntry, catalogue_entries
from catalogue.vocabulary import CodingSystem
from invoices.pdf import pdf_document
from patients.models import Patient
from portal.models import GoodFaithEstimate, retained_until

# A bill this far above the estimate may be disputed (45 CFR 149.620), within this many days of receiving it.
DISPUTE_THRESHOLD = Decimal("400.00")
DISPUTE_DAYS = 120
# Where the patient finds how to start the patient-provider dispute resolution process.
NO_SURPRISES_WEBSITE = "www.cms.gov/nosurprises"
NO_SURPRISES_PHONE = "1-800-985-3059"
# The coding system printed beside a code that is the clinic's own (a service without a CPT/HCPCS code).
CLINIC_CODE_SYSTEM = "clinic"


@dataclass(frozen=True)
class EstimableService:
    """A service an estimate may list: its key on the form, its standard code and the price it is offered at."""

    key: str
    code: str
    code_system: str
    name: str
    description: str
    unit_price: Decimal


def estimable_from(services: Iterable[CatalogueEntry]) -> list[EstimableService]:
    """The catalogue's services an estimate may offer: offered now, priced, and care rather than a fee (a missed
    appointment fee is not a service anyone can expect to receive), named in the reader's language."""
    return [
        EstimableService(
            key=service.code,
            code=service.code,
            code_system=(
                CLINIC_CODE_SYSTEM if service.coding_system == CodingSystem.LOCAL else service.coding_system_label
            ),
            name=service.name,
            description=service.explanation,
            unit_price=service.price,
        )
        for service in services
        if service.is_available and service.estimable and service.price is not None
    ]


def estimable_services() -> list[EstimableService]:
    """Every service an estimate may offer now (three queries: the catalogue's services, texts and prices)."""
    entries = catalogue_entries(
        on=timezone.localdate(), language=get_language() or settings.CLINIC_LANGUAGE, estimable_only=True
    )
    return estimable_from(entries)


@dataclass(frozen=True)
class EstimateLine:
    code: str
    code_system: str
    name: str
    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class EstimateProvider:
    """A provider or facility on the estimate, with the items it is expected to furnish."""

    name: str
    npi: str
    tin: str
    location: str
    lines: tuple[EstimateLine, ...]
    convening: bool = False

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class EstimateRequest:
    """What the patient asked an estimate for (the form's cleaned input)."""

    patient_name: str
    date_of_birth: date
    items: tuple[tuple[EstimableService, int], ...]
    primary: EstimableService
    service_date: date | None = None
    diagnosis_codes: tuple[str, ...] = ()
    co_providers: tuple[EstimateProvider, ...] = ()
    separately_scheduled: tuple[str, ...] = field(default_factory=tuple)


def estimate_lines(items: Iterable[tuple[EstimableService, int]]) -> tuple[EstimateLine, ...]:
    """One line per chosen service, priced as the price list stands today."""
    return tuple(
        EstimateLine(
            code=service.code,
            code_system=service.code_system,
            name=service.name,
            description=service.description,
            quantity=quantity,
            unit_price=service.unit_price,
        )
        for service, quantity in items
    )


def clinic_provider(lines: tuple[EstimateLine, ...]) -> EstimateProvider:
    """The clinic as the convening provider, from settings.CLINIC."""
    clinic = settings.CLINIC
    return EstimateProvider(
        name=clinic["name"],
        npi=clinic["npi"],
        tin=clinic["tin"],
        location=clinic["address"],
        lines=lines,
        convening=True,
    )


def primary_service_text(service: EstimableService) -> str:
    """The primary service in plain words, in the active language: its name and what it includes."""
    return f"{service.name}: {service.description}" if service.description else service.name


def _new_number(day: date) -> str:
    # Random rather than sequential: the number is printed for a visitor nobody signed in, and must not tell how
    # many estimates the clinic issues or let one be guessed from another.
    return f"GFE-{day:%Y%m%d}-{secrets.token_hex(4).upper()}"


def good_faith_estimate_html(
    *, request: EstimateRequest, providers: tuple[EstimateProvider, ...], number: str, issued_on: date
) -> str:
    """The estimate as HTML in the active language."""
    context = {
        "number": number,
        "estimate_date": issued_on,
        "request": request,
        "primary_service": primary_service_text(request.primary),
        "providers": providers,
        "total": sum((provider.total for provider in providers), Decimal("0.00")),
        "clinic": settings.CLINIC,
        "clinic_code_system": CLINIC_CODE_SYSTEM,
        "dispute_threshold": DISPUTE_THRESHOLD,
        "dispute_days": DISPUTE_DAYS,
        "website": NO_SURPRISES_WEBSITE,
        "phone": NO_SURPRISES_PHONE,
    }
    return render_to_string("pdf/good_faith_estimate.html", context)


def _snapshot(provider: EstimateProvider) -> dict[str, object]:
    """A provider and its lines as JSON, money as decimal strings."""
    return {
        "name": provider.name,
        "npi": provider.npi,
        "tin": provider.tin,
        "location": provider.location,
        "convening": provider.convening,
        "lines": [
            {**asdict(line), "unit_price": str(line.unit_price), "amount": str(line.amount)} for line in provider.lines
        ],
    }


def good_faith_estimate_issue(*, request: EstimateRequest, patient: Patient | None = None) -> GoodFaithEstimate:
    """Render the estimate's PDF in the active language and keep it, with what it was made from, for 6 years.

    `patient`: the portal patient who asked, when they were signed in; the estimate is linked to their account.
    """
    issued_at = timezone.now()
    issued_on = timezone.localdate(issued_at)
    number = _new_number(issued_on)
    providers = (clinic_provider(estimate_lines(request.items)), *request.co_providers)
    html = good_faith_estimate_html(request=request, providers=providers, number=number, issued_on=issued_on)
    pdf = bytes(pdf_document(html).write_pdf())
    return GoodFaithEstimate.objects.create(
        number=number,
        issued_at=issued_at,
        retain_until=retained_until(issued_on),
        patient=patient,
        patient_name=request.patient_name,
        date_of_birth=request.date_of_birth,
        primary_service=primary_service_text(request.primary),
        service_date=request.service_date,
        diagnosis_codes=list(request.diagnosis_codes),
        providers=[_snapshot(provider) for provider in providers],
        separately_scheduled=list(request.separately_scheduled),
        total=sum((provider.total for provider in providers), Decimal("0.00")),
        language=get_language() or settings.LANGUAGE_CODE,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )


def good_faith_estimates_search(query: str = "") -> QuerySet[GoodFaithEstimate]:
    """Kept estimates, newest first, without their PDFs; `query` matches the number or the patient's name."""
    estimates = GoodFaithEstimate.objects.defer("pdf").select_related("patient")
    query = query.strip()
    if query:
        estimates = estimates.filter(Q(number__icontains=query) | Q(patient_name__icontains=query))
    return estimates
