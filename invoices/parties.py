"""Seller and buyer of an issued document, as they were when it was issued.

Bokføringsforskriften wants an invoice (and a credit note) kept as it was sent: a reprint months later must
show the address the patient had then, and the clinic's details of then. The details are snapshotted into the
document's JSON fields at issue; a draft has none yet and shows the current ones.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings

from patients.models import Patient

BUYER_FIELDS = ("name", "address_line", "postal_code", "city")


@dataclass(frozen=True)
class Buyer:
    """The patient as a document prints them (the attribute names match Patient's, for the templates)."""

    name: str
    address_line: str
    postal_code: str
    city: str
    date_of_birth: date | None


def seller_snapshot() -> dict[str, str]:
    """The clinic's details as configured now (name, address, organisation number, bank account, …)."""
    return {key: str(value) for key, value in settings.CLINIC.items()}


def buyer_snapshot(patient: Patient) -> dict[str, str]:
    """The patient's details as a document prints them now."""
    details = {field: getattr(patient, field) or "" for field in BUYER_FIELDS}
    details["date_of_birth"] = patient.date_of_birth.isoformat() if patient.date_of_birth else ""
    return details


def buyer_from(details: dict[str, Any], patient: Patient) -> Buyer:
    """The buyer a document shows: its snapshot, or the patient's current details when it has none."""
    source = details or buyer_snapshot(patient)
    born = source.get("date_of_birth") or ""
    return Buyer(
        name=source.get("name", ""),
        address_line=source.get("address_line", ""),
        postal_code=source.get("postal_code", ""),
        city=source.get("city", ""),
        date_of_birth=date.fromisoformat(born) if born else None,
    )


def seller_from(details: dict[str, Any]) -> dict[str, str]:
    """The seller a document shows: its snapshot, or the clinic's current details when it has none."""
    return dict(details) if details else seller_snapshot()
