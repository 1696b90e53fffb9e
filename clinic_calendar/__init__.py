"""The clinic calendar: opening hours per weekday and public holidays, for deadlines, sweeps and contact hours.

A plain package, not a Django app: it has no models and imports no domain app, so every app (disputes,
patient_collections, invoices, portal) may import it without creating a cycle. See opening_hours.py.
"""

from .opening_hours import (
    DEFAULT_OPENING_HOURS,
    ClinicCalendar,
    clinic_calendar,
    is_public_holiday,
)

__all__ = [
    "DEFAULT_OPENING_HOURS",
    "ClinicCalendar",
    "clinic_calendar",
    "is_public_holiday",
]
