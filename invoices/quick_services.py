"""The services the desk bills in two clicks (a copy of the records, a missed appointment, a certificate), with a
default price per jurisdiction profile.

Plain data behind one function, `quick_services()`: the seam a full service catalogue (codes, names per
language, prices with effective dates) replaces later. Prices are the clinic's defaults, not law; a clerk who
needs another price uses the new-invoice form.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class QuickService:
    key: str  # stable, in URLs and tests
    code: str  # the service code printed on the invoice line
    description: str | Promise
    unit_price: Decimal


RECORDS_COPY, NO_SHOW, CERTIFICATE = "records_copy", "no_show", "certificate"

_DESCRIPTIONS = {
    RECORDS_COPY: _("Copy of the medical records"),
    NO_SHOW: _("Missed appointment (not cancelled in time)"),
    CERTIFICATE: _("Medical certificate"),
}

# (key, code, price) per jurisdiction profile (settings.BILLING_JURISDICTION).
_DEFAULTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "NO": ((RECORDS_COPY, "JOURNAL", "100.00"), (NO_SHOW, "IKKEMOTT", "350.00"), (CERTIFICATE, "ATTEST", "500.00")),
    "US": ((RECORDS_COPY, "RECCOPY", "25.00"), (NO_SHOW, "NOSHOW", "50.00"), (CERTIFICATE, "CERT", "35.00")),
    "FR": ((RECORDS_COPY, "COPIE", "20.00"), (NO_SHOW, "RDVNH", "25.00"), (CERTIFICATE, "CERTIF", "30.00")),
}


def quick_services(jurisdiction: str | None = None) -> list[QuickService]:
    """The quick services of a jurisdiction profile (the deployment's by default), in the order the desk shows
    them."""
    rows = _DEFAULTS.get(jurisdiction or settings.BILLING_JURISDICTION, ())
    return [QuickService(key, code, _DESCRIPTIONS[key], Decimal(price)) for key, code, price in rows]


def quick_service(key: str) -> QuickService | None:
    """The deployment's quick service called `key`, or None."""
    return next((service for service in quick_services() if service.key == key), None)
