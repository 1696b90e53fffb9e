"""Issue 11, scenarios 1 and 2: a disputed claim is never pursued, and a complaint recalls a claim from the agency.

Replayed as the office lives it: bills and complaints over the API, a cron install's `run_billing_jobs` every
morning with billing printing the day's letters, and the office manager's agency file from the cases page.
"""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from invoices.models import LedgerEntry
from patient_collections.models import CollectionCase
from tests.lifecycle_scenarios.office import agency_file, bill, complain, reminders

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

WORKING_DAYS = 50  # without the hold, the schedule reaches its case 46 days after the due date


def sent_steps(api, invoice_id: int) -> list[tuple[int, str]]:
    return [(reminder["step"], reminder["status"]) for reminder in reminders(api, invoice_id)]


@pytest.fixture
def reminded(office, reachable_patient, billing, api_as):
    """A 500.00 bill whose first (fee-free) reminder went out by e-mail the day after it fell due."""
    invoice = bill(api_as(billing), reachable_patient)
    due = date.fromisoformat(invoice["due_date"])
    office.day(due + timedelta(days=1))
    assert sent_steps(api_as(billing), invoice["id"]) == [(1, "sent")]
    return invoice


def test_an_open_complaint_holds_every_notice_the_case_and_the_agency_file(
    clock, office, reminded, reachable_patient, front_desk, billing, manager, api_as, client_for
):
    due = date.fromisoformat(reminded["due_date"])
    clock.shift(timedelta(days=2))
    complain(api_as(front_desk), reachable_patient, reminded["id"])

    office.days(due + timedelta(days=3), due + timedelta(days=WORKING_DAYS))

    api = api_as(billing)
    assert sent_steps(api, reminded["id"]) == [(1, "sent")]  # no purring, no inkassovarsel, nothing queued
    assert len(mail.outbox) == 1
    assert not LedgerEntry.objects.filter(invoice_id=reminded["id"], kind=LedgerEntry.Kind.REMINDER_FEE).exists()
    assert api.get(f"/api/v1/invoices/{reminded['id']}/").json()["balance"] == "500.00"
    assert api_as(manager).get("/api/v1/collection-cases/").json()["results"] == []
    assert agency_file(client_for(manager)) == []


def test_a_complaint_closed_still_disagrees_stays_held_and_never_reaches_the_agency(
    office, reminded, reachable_patient, front_desk, billing, manager, api_as, client_for
):
    due = date.fromisoformat(reminded["due_date"])
    complaint = complain(api_as(front_desk), reachable_patient, reminded["id"])
    closed = api_as(billing).post(
        f"/api/v1/complaints/{complaint['id']}/close/",
        {"outcome": "still_disagrees", "prevention_note": "Say at booking when a cancellation is billed."},
        format="json",
    )
    assert closed.status_code == 200, closed.content

    office.days(due + timedelta(days=2), due + timedelta(days=WORKING_DAYS))

    assert sent_steps(api_as(billing), reminded["id"]) == [(1, "sent")]
    assert len(mail.outbox) == 1
    [case] = api_as(manager).get("/api/v1/collection-cases/").json()["results"]
    assert (case["invoice"], case["status"], case["disputed"]) == (reminded["id"], "proposed", True)
    refused = api_as(manager).post(
        f"/api/v1/collection-cases/{case['id']}/decide/", {"decision": "agency"}, format="json"
    )
    assert refused.status_code == 409
    assert "never sent to a collection agency" in refused.json()["detail"]
    assert CollectionCase.objects.get(pk=case["id"]).status == CollectionCase.Status.PROPOSED
    assert agency_file(client_for(manager)) == []


def test_a_complaint_recalls_a_claim_from_the_agency_with_a_recall_line(
    clock, office, reachable_patient, front_desk, billing, manager, api_as, client_for
):
    invoice = bill(api_as(billing), reachable_patient)
    due = date.fromisoformat(invoice["due_date"])
    office.days(due + timedelta(days=1), due + timedelta(days=50))
    [case] = api_as(manager).get("/api/v1/collection-cases/?status=proposed").json()["results"]
    sent = api_as(manager).post(f"/api/v1/collection-cases/{case['id']}/decide/", {"decision": "agency"}, format="json")
    assert sent.status_code == 200, sent.content
    assert [(row["case_id"], row["action"]) for row in agency_file(client_for(manager))] == [
        (str(case["id"]), "collect")
    ]

    clock.shift(timedelta(days=3))
    complain(api_as(front_desk), reachable_patient, invoice["id"])

    recalled = CollectionCase.objects.get(pk=case["id"])
    assert recalled.recalled_at == timezone.now()  # flagged when the complaint came in
    listed = api_as(manager).get("/api/v1/collection-cases/").json()["results"]
    assert [(c["id"], c["disputed"]) for c in listed] == [(case["id"], True)]
    assert [(row["case_id"], row["invoice_number"], row["action"]) for row in agency_file(client_for(manager))] == [
        (str(case["id"]), invoice["number"], "recall")
    ]
