"""Fees: what a reminder step costs on a day, from the dated rate table, and the schedule priced with them."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError

from .. import schedule
from ..models import FeeRate, ReminderStep


def _rate_in_force(code: str, on: date) -> Decimal | None:
    rate = FeeRate.objects.filter(code=code, effective_from__lte=on).order_by("-effective_from").first()
    return rate.amount if rate is not None else None


def fee_amount(*, code: str, on: date) -> Decimal:
    """The fee in force on a day; zero when the step has no fee.

    A Norwegian fee code names a fraction of the inkassosats (schedule.DERIVED_FEES), priced from the sats in
    force that day; any other code is a rate of its own in the dated table.
    """
    if not code:
        return Decimal("0.00")
    rate_code, numerator, denominator = schedule.DERIVED_FEES.get(code, (code, 1, 1))
    rate = _rate_in_force(rate_code, on)
    if rate is None:
        raise ApplicationError(_("No fee rate %(code)s is in force on %(day)s.") % {"code": rate_code, "day": on})
    return schedule.derived_fee(rate, numerator, denominator)


def fee_base_rate(*, on: date) -> Decimal:
    """The rate that caps a notice's fee on a day (the inkassosats); zero where none is in force."""
    return _rate_in_force(schedule.INKASSOSATS, on) or Decimal("0.00")


def fee_codes() -> list[str]:
    """The fee codes a step may use: the fractions of the inkassosats, and every rate of its own."""
    own = FeeRate.objects.exclude(code=schedule.INKASSOSATS).order_by("code").values_list("code", flat=True)
    return sorted({*schedule.DERIVED_FEES, *own.distinct()})


def schedule_steps(*, on: date) -> tuple[schedule.Step, ...]:
    """The jurisdiction's schedule as the pure core sees it, with fees as they stand on `on`."""
    rates: dict[str, Decimal] = {}
    steps = []
    for row in ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION).order_by("number"):
        if row.fee_code and row.fee_code not in rates:
            rates[row.fee_code] = fee_amount(code=row.fee_code, on=on)
        steps.append(
            schedule.Step(
                number=row.number,
                days_after_due=row.days_after_due,
                notice_type=row.notice_type,
                fee=rates.get(row.fee_code, Decimal("0.00")),
                deadline_days=row.deadline_days,
                letter_only=row.letter_only,
                manager_approval=row.manager_approval,
            )
        )
    return tuple(steps)
