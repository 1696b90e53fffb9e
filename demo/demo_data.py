"""The demo install's patients, invoices and complaints, read from demo_data.toml into typed records.

The data file holds what a reader checks against the screens (names, addresses, amounts, what happened to each
invoice); this module only gives it types, so a misspelt field or an unknown service code fails at once.
"""

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from invoices.models import Coverage as LineCoverage
from patients.models import Channel

DATA_FILE = Path(__file__).with_name("demo_data.toml")


@dataclass(frozen=True)
class DemoLine:
    code: str  # a service of the catalogue, which names and prices it
    coverage: str = LineCoverage.PATIENT
    quantity: str = "1"


@dataclass(frozen=True)
class DemoPayment:
    amount: str
    payer: str = "patient"
    method: str = "bank transfer"


@dataclass(frozen=True)
class DemoInvoice:
    """One invoice and what happened to it. `issued_days_ago=None` leaves it a draft."""

    key: str
    service_days_ago: int
    lines: list[DemoLine]
    issued_days_ago: int | None = None
    payments: list[DemoPayment] = field(default_factory=list)
    settle_insurance: bool = False
    credit_reason: str = ""


@dataclass(frozen=True)
class DemoPatient:
    name: str
    date_of_birth: date
    language: str
    contact: dict[str, str]
    invoices: list[DemoInvoice]
    insurer: tuple[str, str] | None = None
    exemption_card: str = ""
    portal_user: str = ""
    proxy: dict[str, str] | None = None
    preferred_channel: str = Channel.LETTER


@dataclass(frozen=True)
class DemoComplaint:
    patient: str
    category: str
    description: str
    accept_proposal: bool


@dataclass(frozen=True)
class DemoData:
    patients: list[DemoPatient]
    complaints: list[DemoComplaint]


CONTACT_FIELDS = ("email", "phone", "address_line", "postal_code", "city")


def _line(spec: str | dict[str, str]) -> DemoLine:
    """A line given by its service code alone, or by a table with the code and what differs from the default."""
    return DemoLine(**({"code": spec} if isinstance(spec, str) else dict(spec)))


def _invoice(spec: dict[str, Any]) -> DemoInvoice:
    return DemoInvoice(
        **{
            **spec,
            "lines": [_line(line) for line in spec["lines"]],
            "payments": [DemoPayment(**payment) for payment in spec.get("payments", [])],
        }
    )


def _patient(spec: dict[str, Any]) -> DemoPatient:
    details = {name: value for name, value in spec.items() if name not in CONTACT_FIELDS}
    insurer = details.pop("insurer", None)
    return DemoPatient(
        **{
            **details,
            "contact": {name: spec[name] for name in CONTACT_FIELDS if name in spec},
            "invoices": [_invoice(invoice) for invoice in spec.get("invoices", [])],
            "insurer": (insurer["payer_name"], insurer["member_number"]) if insurer else None,
        }
    )


def demo_data_load(*, path: Path = DATA_FILE) -> DemoData:
    """The demo data file as typed records; an unknown field raises a TypeError (an unknown service code is refused
    when the demo is seeded, by the catalogue)."""
    with path.open("rb") as stream:
        raw = tomllib.load(stream)
    return DemoData(
        patients=[_patient(patient) for patient in raw["patients"]],
        complaints=[DemoComplaint(**complaint) for complaint in raw.get("complaints", [])],
    )
