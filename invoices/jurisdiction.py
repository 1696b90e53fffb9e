"""Jurisdiction profiles (setting BILLING_JURISDICTION): currency, due dates, payment references.

The figures follow ../shared/DOMAIN.md. Amounts that change over time belong in rate tables, not here.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings


@dataclass(frozen=True)
class JurisdictionProfile:
    code: str
    currency: str
    payment_terms_days: int
    payment_reference_scheme: str  # "KID", "ACCOUNT" (statement/account no.) or "INVOICE_NUMBER"
    small_claim_threshold: Decimal
    default_locale: str


PROFILES = {
    "NO": JurisdictionProfile("NO", "NOK", 14, "KID", Decimal("300.00"), "nb"),
    "US": JurisdictionProfile("US", "USD", 30, "ACCOUNT", Decimal("25.00"), "en"),
    "FR": JurisdictionProfile("FR", "EUR", 30, "INVOICE_NUMBER", Decimal("15.00"), "fr"),
}


def current_profile() -> JurisdictionProfile:
    return PROFILES[settings.BILLING_JURISDICTION]
