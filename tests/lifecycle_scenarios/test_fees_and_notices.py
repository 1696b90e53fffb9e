"""Issue 11, scenarios 4 and 5: the law on fee-bearing notices, and what the inkassovarsel and the agency file say.

The office manager's schedule page refuses two fee-bearing inkassovarsler and a purring after the inkassovarsel
(inkassoforskriften § 1-3); the fee is a fraction of the inkassosats in the dated rate table (kr 700 since
2017: 1/20 = kr 35, 3/20 = kr 105). The inkassovarsel and the agency's CSV keep the principal, the earlier
fees and this notice's fee apart.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from invoices.models import LedgerEntry
from invoices.templatetags.money import money
from patient_collections import services
from patient_collections.models import FeeRate, ReminderStep
from tests.factories import at, pdf_text, squeezed
from tests.lifecycle_scenarios.office import agency_file, bill, reminders

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

FREE_REMINDER = {"number": 1, "days_after_due": 1, "notice_type": "reminder", "fee_code": ""}
INKASSOVARSEL = {"notice_type": "final_notice", "fee_code": "NO_REMINDER", "letter_only": "on"}
PURRING = {"notice_type": "reminder", "fee_code": "NO_REMINDER"}


def nok(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


def schedule_post(steps: list[dict[str, object]]) -> dict[str, object]:
    """The schedule page's formset as the office manager submits it."""
    data: dict[str, object] = {
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": 0,
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 20,
    }
    for index, step in enumerate(steps):
        for name, value in {"deadline_days": 14, **step}.items():
            data[f"steps-{index}-{name}"] = value
    return data


@pytest.mark.parametrize(
    ("third_step", "problem"),
    [
        (INKASSOVARSEL, "Only one final notice (inkassovarsel) per claim may carry a fee."),
        (PURRING, "No fee-bearing reminder may follow the final notice (inkassovarsel)."),
    ],
    ids=["two fee-bearing inkassovarsler", "a purring after the inkassovarsel"],
)
def test_the_schedule_page_refuses_fee_notices_out_of_section_1_3_order(
    clock, manager, client_for, third_step, problem
):
    saved_steps = ReminderStep.objects.filter(jurisdiction="NO").values_list("number", "notice_type", "fee_code")
    saved = list(saved_steps)
    steps = [
        FREE_REMINDER,
        {"number": 2, "days_after_due": 15, **INKASSOVARSEL},
        {"number": 3, "days_after_due": 30, **third_step},
    ]

    response = client_for(manager).post(reverse("collections:schedule-edit"), schedule_post(steps))

    assert response.status_code == 200
    assert problem in response.context["problems"]
    assert (
        list(ReminderStep.objects.filter(jurisdiction="NO").values_list("number", "notice_type", "fee_code")) == saved
    )


def test_fees_are_fractions_of_the_inkassosats_in_its_dated_table(clock):
    assert list(FeeRate.objects.filter(code="inkassosats").values_list("effective_from", "amount")) == [
        (date(2017, 1, 1), Decimal("700.00"))
    ]
    assert services.fee_amount(code="NO_REMINDER", on=date(2017, 1, 1)) == Decimal("35.00")
    assert services.fee_amount(code="NO_PAYMENT_DEMAND", on=date(2026, 3, 2)) == Decimal("105.00")


def test_a_purring_charges_the_fee_of_the_sats_in_force_on_the_day_it_goes_out(
    clock, office, reachable_patient, billing, api_as
):
    # A new sats from 2027 (a made-up amount): the purring of a bill that falls due in December goes out in
    # January and takes 1/20 of it; the purring of a bill a month older goes out in December at kr 35.
    FeeRate.objects.create(code="inkassosats", amount=Decimal("800.00"), effective_from=date(2027, 1, 1))
    api = api_as(billing)
    clock.move_to(at(date(2026, 11, 16)))
    older = bill(api, reachable_patient)
    clock.move_to(at(date(2026, 12, 7)))
    newer = bill(api, reachable_patient)

    office.days(date(2026, 12, 1), date(2027, 1, 6))

    purrings = {
        invoice["number"]: [(r["sent_at"][:10], r["fee"]) for r in reminders(api, invoice["id"]) if r["step"] == 2]
        for invoice in (older, newer)
    }
    assert purrings == {older["number"]: [("2026-12-16", "35.00")], newer["number"]: [("2027-01-06", "40.00")]}
    posted = LedgerEntry.objects.filter(invoice_id=newer["id"], kind=LedgerEntry.Kind.REMINDER_FEE)
    assert list(posted.values_list("amount", flat=True)) == [Decimal("40.00")]


def test_the_inkassovarsel_and_the_agency_file_keep_principal_and_fees_apart(
    office, reachable_patient, billing, manager, api_as, client_for
):
    api = api_as(billing)
    invoice = bill(api, reachable_patient)
    due = date.fromisoformat(invoice["due_date"])
    office.days(due + timedelta(days=1), due + timedelta(days=46))

    [final] = [r for r in reminders(api, invoice["id"]) if r["notice_type"] == "final_notice"]
    assert (final["step"], final["status"], final["channel"], final["fee"]) == (3, "sent", "letter", "35.00")
    letter = client_for(billing).get(reverse("collections:reminder-letter", args=[final["id"]]))
    text = squeezed(pdf_text(letter.content))
    assert squeezed("Varsel om inkasso") in text
    assert squeezed(f"Principal{nok('500.00')}") in text
    assert squeezed(f"Earlier reminder fees{nok('35.00')}") in text
    assert squeezed(f"Reminder fee{nok('35.00')}") in text
    assert squeezed(f"Total to pay{nok('570.00')}") in text

    [case] = api_as(manager).get("/api/v1/collection-cases/?status=proposed").json()["results"]
    decided = api_as(manager).post(
        f"/api/v1/collection-cases/{case['id']}/decide/", {"decision": "agency"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    [row] = agency_file(client_for(manager))
    assert (row["invoice_number"], row["amount_owed"], row["principal"], row["fees"], row["action"]) == (
        invoice["number"],
        "570.00",
        "500.00",
        "70.00",
        "collect",
    )
