"""Dates a person may type into a search, a report period or a day: bounded, so arithmetic on them holds.

A form's DateField takes any date Python has, 0001-01-01 to 9999-12-31. A search for "up to 9999-12-31" then
asks for entries before the day after it, which Python cannot represent: OverflowError, a 500. Nothing this
office does lies outside these bounds, and a typed year like 20266 is a mistake better named than searched.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def date_in_range(value: date) -> None:
    """Refuse a date outside EARLIEST_DATE..LATEST_DATE with a message that names the range."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


def period_check(form: forms.Form, *, start: str = "start", end: str = "end") -> None:
    """In a form's clean(): an end date before the start date is an error on the end field, in one wording."""
    first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
    if first and last and first > last:
        form.add_error(end, _("The end date comes before the start date."))


class BoundedDateField(forms.DateField):
    """A DateField that takes only dates between EARLIEST_DATE and LATEST_DATE."""

    default_validators = [date_in_range]
