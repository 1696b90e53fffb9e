"""The No Surprises Act good-faith estimate for uninsured and self-pay patients, as a PDF.

The estimate lists the expected charges line by line, names the provider, and states the patient's right to
dispute a bill that comes to $400 or more above it within 120 days. It is rendered like the invoice: the
stylesheet is inlined and WeasyPrint's fetcher refuses every URL, since the patient's name is typed by
the visitor.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from catalogue.selectors import CatalogueEntry
from invoices.pdf import pdf_document

# A bill this far above the estimate may be disputed (45 CFR 149.620), within this many days of the bill.
DISPUTE_THRESHOLD = Decimal("400.00")
DISPUTE_DAYS = 120


@dataclass(frozen=True)
class EstimateLine:
    code: str
    name: str
    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


def estimate_lines(items: list[tuple[CatalogueEntry, int]]) -> list[EstimateLine]:
    """One line per chosen service, priced from the price list as it stands today."""
    return [
        EstimateLine(
            code=service.code,
            name=service.name,
            description=service.explanation,
            quantity=quantity,
            unit_price=service.price or Decimal("0.00"),
        )
        for service, quantity in items
    ]


def good_faith_estimate_html(items: list[tuple[CatalogueEntry, int]], name: str, service_date: date | None) -> str:
    """The estimate as HTML in the active language."""
    lines = estimate_lines(items)
    context = {
        "lines": lines,
        "total": sum((line.amount for line in lines), Decimal("0.00")),
        "patient_name": name,
        "service_date": service_date,
        "estimate_date": timezone.localdate(),
        "clinic": settings.CLINIC,
        "dispute_threshold": DISPUTE_THRESHOLD,
        "dispute_days": DISPUTE_DAYS,
    }
    return render_to_string("pdf/good_faith_estimate.html", context)


def good_faith_estimate_pdf(items: list[tuple[CatalogueEntry, int]], name: str, service_date: date | None) -> bytes:
    """Render a good-faith estimate for the chosen (service, quantity) pairs, in the active language."""
    html = good_faith_estimate_html(items, name, service_date)
    return bytes(pdf_document(html).write_pdf())
