"""The arithmetic of a payment plan: how many instalments, their amounts and their due dates. Pure: Decimals
and dates in, the schedule out; no model, no database.

`payment_plan_create` saves this schedule and the portal shows it before the patient confirms
(`portal.services.plan_preview`), so the plan a patient checked is the plan that is saved.
"""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

CENT = Decimal("0.01")


class PlannedInstalment(NamedTuple):
    number: int
    due_date: date
    amount: Decimal


def instalment_count(*, owed: Decimal, monthly_amount: Decimal) -> int:
    """How many monthly payments of `monthly_amount` it takes to pay `owed` (a positive amount)."""
    return int((owed / monthly_amount).to_integral_value(rounding=ROUND_CEILING))


def amounts_of_monthly(*, owed: Decimal, monthly_amount: Decimal, count: int) -> list[Decimal]:
    """`count` payments of `monthly_amount`; the last one is what is left, so the sum is exactly `owed`."""
    return [monthly_amount] * (count - 1) + [owed - monthly_amount * (count - 1)]


def amounts_in_equal_parts(*, owed: Decimal, count: int) -> list[Decimal]:
    """Equal instalments in cents, rounded down; the last one takes the remainder so the sum is exactly `owed`."""
    base = (owed / count).quantize(CENT, rounding=ROUND_DOWN)
    return [base] * (count - 1) + [owed - base * (count - 1)]


def first_due_date(*, today: date) -> date:
    """A plan's first instalment falls due a month from today."""
    return today + relativedelta(months=1)


def instalment_schedule(*, amounts: Sequence[Decimal], first_due: date) -> list[PlannedInstalment]:
    """The amounts numbered from 1, one a month from `first_due`: on its day of the month, or on the last day of
    a shorter month (a plan starting on 31 January falls due on 28 February, then 31 March)."""
    return [
        PlannedInstalment(number, first_due + relativedelta(months=number - 1), amount)
        for number, amount in enumerate(amounts, start=1)
    ]
