"""The instalment arithmetic of a payment plan (patient_collections.plans): pure, so no test here may touch the
database (pytest-django refuses it without the django_db mark)."""

import calendar
import itertools
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from patient_collections import plans

owed_amounts = st.integers(min_value=2, max_value=10_000_000).map(lambda cents: Decimal(cents) / 100)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))


def test_it_dates_a_plan_on_the_last_day_of_a_shorter_month_and_returns_to_its_day():
    schedule = plans.instalment_schedule(amounts=[Decimal("10.00")] * 3, first_due=date(2027, 1, 31))
    assert [instalment.due_date for instalment in schedule] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


def test_it_starts_a_plan_a_month_from_today():
    assert plans.first_due_date(today=date(2028, 1, 31)) == date(2028, 2, 29)


def test_it_numbers_the_instalments_from_one_with_their_amounts():
    schedule = plans.instalment_schedule(amounts=[Decimal("300.00"), Decimal("100.00")], first_due=date(2027, 5, 2))
    assert schedule == [(1, date(2027, 5, 2), Decimal("300.00")), (2, date(2027, 6, 2), Decimal("100.00"))]


@given(owed=owed_amounts, count=st.integers(min_value=2, max_value=36))
def test_equal_parts_add_up_to_what_is_owed_and_differ_by_less_than_the_count_in_cents(owed, count):
    amounts = plans.amounts_in_equal_parts(owed=owed, count=count)
    assert len(amounts) == count
    assert sum(amounts) == owed
    assert all(amount == amounts[0] for amount in amounts[:-1])
    assert Decimal("0.00") <= amounts[-1] - amounts[0] < Decimal(count) / 100


@given(data=st.data(), owed=owed_amounts)
def test_monthly_payments_add_up_to_what_is_owed_the_last_one_no_larger(data, owed):
    owed_cents = int(owed * 100)
    # At most a thousand payments, so the list stays small; collections refuses a plan past 36 anyway.
    fewest_cents = -(-owed_cents // 1000)
    monthly = Decimal(data.draw(st.integers(min_value=fewest_cents, max_value=owed_cents))) / 100
    count = plans.instalment_count(owed=owed, monthly_amount=monthly)
    amounts = plans.amounts_of_monthly(owed=owed, monthly_amount=monthly, count=count)
    assert sum(amounts) == owed
    assert amounts[:-1] == [monthly] * (count - 1)
    assert Decimal("0.00") < amounts[-1] <= monthly


def month_index(day: date) -> int:
    return day.year * 12 + day.month


@given(first_due=days, count=st.integers(min_value=1, max_value=36))
def test_each_instalment_falls_due_a_month_after_the_one_before(first_due, count):
    schedule = plans.instalment_schedule(amounts=[Decimal("1.00")] * count, first_due=first_due)
    assert all(month_index(b.due_date) - month_index(a.due_date) == 1 for a, b in itertools.pairwise(schedule))
    for instalment in schedule:
        # The first instalment's day of the month, or the last day of a month too short for it.
        _weekday, last_day = calendar.monthrange(instalment.due_date.year, instalment.due_date.month)
        assert instalment.due_date.day == min(first_due.day, last_day)
