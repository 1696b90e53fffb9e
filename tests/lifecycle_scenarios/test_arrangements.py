"""Issue 11, scenario 8: payment plans, deferrals and the calls they make.

A patient who misses an instalment gets a notice naming the instalment and the plan, asking for that instalment
only and not offering the plan they have; the worklist holds one open call per reason per invoice; a plan and a
deferral are never stacked (nor run on a disputed claim); the portal grants the first deferral of a bill and
sends the next ones to billing as requests.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from invoices.templatetags.money import money
from patient_collections.models import Deferral, FollowUpCall, PaymentPlan
from tests.factories import pdf_text, squeezed
from tests.lifecycle_scenarios.office import START, bill, complain, reminders

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

FIRST_DUE = START + timedelta(days=7)


def nok(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


@pytest.fixture
def plan(reachable_patient, billing, api_as):
    """A 500.00 bill spread over four monthly instalments of 125.00, the first due a week after it was issued."""
    invoice = bill(api_as(billing), reachable_patient)
    created = api_as(billing).post(
        "/api/v1/payment-plans/",
        {"invoice": invoice["id"], "instalments": 4, "first_due": FIRST_DUE.isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.content
    return {**created.json(), "invoice": invoice}


def open_calls(api, patient) -> list[tuple[int | None, str]]:
    calls = api.get(f"/api/v1/follow-up-calls/?patient={patient.pk}").json()["results"]
    return [(call["invoice"], call["reason"]) for call in calls]


def test_a_missed_instalment_notice_asks_for_that_instalment_of_that_plan(office, plan, billing, api_as):
    office.day(FIRST_DUE + timedelta(days=1))

    [notice] = [r for r in reminders(api_as(billing), plan["invoice"]["id"]) if r["status"] == "sent"]
    assert (notice["step"], notice["channel"], notice["fee"]) == (101, "email", "0.00")
    [message] = mail.outbox
    assert message.subject == f"Missed instalment: invoice {plan['invoice']['number']}"
    assert f"Instalment 1 of your payment plan, {nok('125.00')} due on" in message.body
    assert f"has 4 instalments, {nok('500.00')} in all" in message.body
    assert f"Instalment to pay: {nok('125.00')}" in message.body
    assert nok("500.00") not in message.body.split("Instalment to pay")[1]  # never the whole balance
    assert "Total to pay" not in message.body
    assert "payment plan or a later date" not in message.body  # they have a plan


def test_the_missed_instalment_letter_asks_for_that_instalment_and_offers_no_new_plan(
    office, plan, billing, api_as, client_for
):
    office.day(FIRST_DUE + timedelta(days=1))
    [notice] = [r for r in reminders(api_as(billing), plan["invoice"]["id"]) if r["step"] == 101]

    letter = squeezed(
        pdf_text(client_for(billing).get(reverse("collections:reminder-letter", args=[notice["id"]])).content)
    )

    assert squeezed("Instalment 1 of your payment plan") in letter
    assert squeezed(f"Instalment to pay{nok('125.00')}") in letter
    assert squeezed("Total to pay") not in letter
    assert squeezed("we can agree a payment plan") not in letter


def test_two_missed_instalments_make_one_open_call_on_the_worklist(office, plan, reachable_patient, billing, api_as):
    office.day(FIRST_DUE + timedelta(days=1))
    office.day(FIRST_DUE + timedelta(days=32))  # the second instalment is missed too

    api = api_as(billing)
    assert [r["step"] for r in reminders(api, plan["invoice"]["id"])] == [101, 102]
    assert open_calls(api, reachable_patient) == [(plan["invoice"]["id"], "missed_instalment")]


def test_notices_by_phone_make_one_open_call_per_invoice(office, reachable_patient, billing, api_as):
    reachable_patient.preferred_channel = "phone"
    reachable_patient.save(update_fields=["preferred_channel"])
    invoice = bill(api_as(billing), reachable_patient)
    due = date.fromisoformat(invoice["due_date"])
    office.day(due + timedelta(days=1))
    office.day(due + timedelta(days=16))  # the purring, nobody has called yet

    api = api_as(billing)
    assert [r["step"] for r in reminders(api, invoice["id"])] == [1, 2]
    assert open_calls(api, reachable_patient) == [(invoice["id"], "overdue_account")]


def test_a_plan_and_a_deferral_are_never_stacked(clock, reachable_patient, billing, api_as):
    api = api_as(billing)
    planned = bill(api, reachable_patient)
    deferred = bill(api, reachable_patient)
    until = (START + timedelta(days=30)).isoformat()
    assert api.post(
        "/api/v1/payment-plans/", {"invoice": planned["id"], "instalments": 3}, format="json"
    ).status_code == (201)
    assert api.post(f"/api/v1/invoices/{deferred['id']}/defer/", {"until": until}, format="json").status_code == 201

    deferral_on_plan = api.post(f"/api/v1/invoices/{planned['id']}/defer/", {"until": until}, format="json")
    plan_on_deferral = api.post("/api/v1/payment-plans/", {"invoice": deferred["id"], "instalments": 3}, format="json")

    assert (deferral_on_plan.status_code, plan_on_deferral.status_code) == (409, 409)
    assert "choose to replace the payment plan" in deferral_on_plan.json()["detail"]
    assert "choose to replace the deferral" in plan_on_deferral.json()["detail"]
    assert Deferral.objects.filter(invoice_id=planned["id"]).count() == 0
    assert PaymentPlan.objects.filter(invoice_id=deferred["id"]).count() == 0


def test_a_plan_on_a_disputed_claim_waits_for_the_dispute(office, plan, reachable_patient, front_desk, billing, api_as):
    complain(api_as(front_desk), reachable_patient, plan["invoice"]["id"])

    office.days(FIRST_DUE, FIRST_DUE + timedelta(days=40))  # two instalments fall due meanwhile

    api = api_as(billing)
    assert reminders(api, plan["invoice"]["id"]) == []
    assert open_calls(api, reachable_patient) == []
    [kept] = api.get(f"/api/v1/payment-plans/?invoice={plan['invoice']['id']}").json()
    assert kept["status"] == "active"
    assert {instalment["status"] for instalment in kept["instalments"]} == {"due"}


def test_the_portal_grants_the_first_deferral_and_sends_the_next_two_to_billing_as_one_request(
    clock, reachable_patient, billing, api_as, client_for
):
    invoice = bill(api_as(billing), reachable_patient)
    url = reverse(
        "portal:portal-cannot-pay-later", kwargs={"patient_id": reachable_patient.pk, "invoice_id": invoice["id"]}
    )
    asked = [START + timedelta(days=days) for days in (20, 40, 60)]

    for number, until in enumerate(asked):
        client_for(reachable_patient.user).post(url, {"until": until.isoformat(), "request_key": str(number) * 32})

    assert list(Deferral.objects.filter(invoice_id=invoice["id"]).values_list("until", flat=True)) == [asked[0]]
    [request] = FollowUpCall.objects.filter(invoice_id=invoice["id"])
    assert (request.reason, request.role) == (FollowUpCall.Reason.CALLBACK_REQUEST, "billing")
    assert all(until.isoformat() in request.request_note for until in asked[1:])


def test_refused_portal_deferrals_make_one_open_call_on_the_worklist(
    clock, reachable_patient, billing, api_as, client_for
):
    invoice = bill(api_as(billing), reachable_patient)
    url = reverse(
        "portal:portal-cannot-pay-later", kwargs={"patient_id": reachable_patient.pk, "invoice_id": invoice["id"]}
    )
    for number, days in enumerate((20, 40, 60)):
        until = (START + timedelta(days=days)).isoformat()
        client_for(reachable_patient.user).post(url, {"until": until, "request_key": str(number) * 32})

    assert open_calls(api_as(billing), reachable_patient) == [(invoice["id"], "callback_request")]
