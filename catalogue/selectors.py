"""Reads of the catalogue: every service as a reader of one language sees it on one day."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from clinic_billing.languages import Localised, missing_languages, pick_localised

from .models import Service, ServicePrice


@dataclass(frozen=True)
class ServiceWords:
    name: str
    explanation: str


@dataclass(frozen=True)
class CatalogueEntry:
    service_id: int
    code: str
    coding_system: str
    coding_system_label: str
    kind: str
    default_coverage: str
    exemption_card_applies: bool
    estimable: bool
    is_available: bool
    help_article_slug: str
    price: Decimal | None  # None: no price on that day, so it cannot be billed or estimated
    words: Localised[ServiceWords]
    texts: dict[str, ServiceWords] = field(repr=False)  # every language's version, snapshotted on invoice lines

    @property
    def name(self) -> str:
        return self.words.value.name

    @property
    def explanation(self) -> str:
        return self.words.value.explanation

    @property
    def missing_languages(self) -> list[str]:
        return missing_languages(set(self.texts))


def _entry(service: Service, *, on: date, language: str) -> CatalogueEntry:
    texts = {text.language: ServiceWords(text.name, text.explanation) for text in service.texts.all()}
    words = pick_localised(texts, language) or Localised(ServiceWords(service.code, ""), language, is_fallback=True)
    price = next((price.amount for price in service.prices.all() if price.applies_on(on)), None)
    return CatalogueEntry(
        service_id=service.pk,
        code=service.code,
        coding_system=service.coding_system,
        coding_system_label=str(service.get_coding_system_display()),
        kind=service.kind,
        default_coverage=service.default_coverage,
        exemption_card_applies=service.exemption_card_applies,
        estimable=service.estimable,
        is_available=service.is_available,
        help_article_slug=service.help_article_slug,
        price=price,
        words=words,
        texts=texts,
    )


def _services(on: date) -> "QuerySet[Service]":
    prices = ServicePrice.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on), valid_from__lte=on)
    return Service.objects.prefetch_related("texts").prefetch_related(Prefetch("prices", queryset=prices))


def catalogue_entries(
    *, on: date, language: str, available_only: bool = False, estimable_only: bool = False
) -> list[CatalogueEntry]:
    """Every service in the catalogue's order, named in `language` (else the clinic's), priced on `on`. Three
    queries whatever the catalogue's length: services, their texts, their prices that day."""
    services = _services(on)
    if available_only:
        services = services.filter(is_available=True)
    if estimable_only:
        services = services.filter(estimable=True)
    return [_entry(service, on=on, language=language) for service in services]


def catalogue_entries_by_code(codes: Iterable[str], *, on: date, language: str) -> dict[str, CatalogueEntry]:
    """The catalogue's entries for these codes (codes it does not know are simply absent). Three queries."""
    services = _services(on).filter(code__in=set(codes))
    return {service.code: _entry(service, on=on, language=language) for service in services}


def catalogue_entry(service_id: int, *, on: date, language: str) -> CatalogueEntry | None:
    service = _services(on).filter(pk=service_id).first()
    return None if service is None else _entry(service, on=on, language=language)


def catalogue_entries_of_kind(kinds: Iterable[str], *, on: date, language: str) -> list[CatalogueEntry]:
    """The available services of these kinds, priced on `on` (a service with no price that day is left out).
    Three queries; only those kinds are read."""
    services = _services(on).filter(is_available=True, kind__in=set(kinds))
    entries = [_entry(service, on=on, language=language) for service in services]
    return [entry for entry in entries if entry.price is not None]


def service_with_texts(service_id: int) -> Service | None:
    """One service with its texts, as the edit page fills its form (two queries)."""
    return Service.objects.prefetch_related("texts").filter(pk=service_id).first()


def service_price_history(service_id: int) -> list[ServicePrice]:
    """A service's prices, the latest first, with who set each (one query)."""
    return list(ServicePrice.objects.filter(service_id=service_id).select_related("created_by").order_by("-valid_from"))
