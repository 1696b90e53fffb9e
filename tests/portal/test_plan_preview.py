"""The plan a patient checks in the portal is the plan collections saves: same amounts, same due dates."""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patient_collections import services as collection_services
from portal import services
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

CLINIC_ZONE = ZoneInfo("Europe/Oslo")


@st.composite
def bills_and_monthly_amounts(draw: st.DrawFn) -> tuple[Decimal, Decimal]:
    """What is owed, and a monthly amount that makes a plan of 2 to MAX_PLAN_MONTHS instalments."""
    owed_cents = draw(st.integers(min_value=2, max_value=5_000_000))
    fewest = -(-owed_cents // collection_services.MAX_PLAN_MONTHS)  # ceiling division
    monthly_cents = draw(st.integers(min_value=fewest, max_value=owed_cents - 1))
    return Decimal(owed_cents) / 100, Decimal(monthly_cents) / 100


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bill=bills_and_monthly_amounts(),
    today=st.dates(min_value=date(2026, 11, 2), max_value=date(2030, 12, 31)),
)
def test_the_preview_and_the_created_plan_agree(patient, bill, today):
    owed, monthly = bill
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", str(owed), "patient")])
    with time_machine.travel(datetime.combine(today, time(12), tzinfo=CLINIC_ZONE), tick=False):
        preview = services.plan_preview(invoice=invoice, monthly_amount=monthly)
        plan = collection_services.payment_plan_create(invoice_id=invoice.pk, monthly_amount=monthly, by=None)
    saved = [(i.number, i.due_date, i.amount) for i in plan.instalments.order_by("number")]
    assert preview.schedule == saved
    assert sum(amount for _number, _due, amount in saved) == owed == plan.total
    assert preview.months == int((owed / monthly).to_integral_value(rounding=ROUND_CEILING))
    assert saved[0][1] > today and saved[0][1] - today <= timedelta(days=31)
