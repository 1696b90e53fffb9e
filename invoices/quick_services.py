"""The services the desk bills in two clicks (a copy of the records, a missed appointment, a certificate): the
first service of each of those kinds in the service catalogue, offered now and priced today."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language

from catalogue.selectors import catalogue_entries_of_kind
from catalogue.vocabulary import ServiceKind
from clinic_billing.languages import clinic_language

# In the order the desk shows them; the key is the kind, in URLs and tests.
QUICK_KINDS = (ServiceKind.RECORDS_COPY, ServiceKind.NO_SHOW, ServiceKind.CERTIFICATE)
RECORDS_COPY, NO_SHOW, CERTIFICATE = (str(kind) for kind in QUICK_KINDS)


@dataclass(frozen=True)
class QuickService:
    key: str
    code: str
    description: str  # the catalogue's name in the reader's language
    unit_price: Decimal


def quick_services() -> list[QuickService]:
    """The quick services of the catalogue today (three queries)."""
    entries = catalogue_entries_of_kind(
        QUICK_KINDS, on=timezone.localdate(), language=get_language() or clinic_language()
    )
    chosen: dict[str, QuickService] = {}
    for entry in entries:
        if entry.kind not in chosen and entry.price is not None:
            chosen[entry.kind] = QuickService(entry.kind, entry.code, entry.name, entry.price)
    return [chosen[kind] for kind in QUICK_KINDS if kind in chosen]


def quick_service(key: str) -> QuickService | None:
    """The quick service called `key` (a kind of service), or None."""
    return next((service for service in quick_services() if service.key == key), None)
