"""The front desk's patient search: by name, date of birth, invoice number or payment reference."""

from datetime import date, datetime

from django.db.models import Q, QuerySet

from invoices.models import Invoice
from patients.models import Patient


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def patient_search(*, query: str, limit: int = 25) -> QuerySet[Patient]:
    """Patients matching a name, a date of birth, an invoice number or a payment reference."""
    text = query.strip()
    if not text:
        return Patient.objects.none()
    condition = Q(name__icontains=text)
    day = _parse_date(text)
    if day is not None:
        condition |= Q(date_of_birth=day)
    compact = text.replace(" ", "")
    if any(ch.isdigit() for ch in compact):
        matching_invoices = Invoice.objects.filter(Q(number=compact) | Q(payment_reference=compact))
        condition |= Q(pk__in=matching_invoices.values("patient_id"))
    return Patient.objects.filter(condition).order_by("name", "id")[:limit]
