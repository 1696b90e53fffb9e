"""The lists an integration syncs with (issue 19, item 3): filters, cursor pages, reads audited, and the same
queries for a page of 2 as for a page of 20."""

from datetime import date, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client

from disputes import services as dispute_services
from invoices import services as invoice_services
from patient_collections.models import Reminder
from tests.factories import (
    PatientFactory,
    at,
    complaint_about,
    draft_invoice,
    issue,
    issued_invoice,
    run_day,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 2)


def pages(client: Client, url: str, **query: object) -> list[dict]:
    """Every row of the list, following the cursors."""
    rows: list[dict] = []
    cursor = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params).json()
        rows += body["results"]
        cursor = body["next_cursor"]
        if cursor is None:
            return rows


def test_it_pages_through_every_patient_once(billing, client_for):
    made = [PatientFactory().pk for _ in range(5)]

    listed = pages(client_for(billing), "/api/v1/patients/", limit=2)

    assert [row["id"] for row in listed] == made


def test_it_finds_a_patient_by_external_reference(billing, client_for):
    PatientFactory(external_source="dips", external_reference="P-1")
    wanted = PatientFactory(external_source="dips", external_reference="P-2")
    PatientFactory(external_source="lab", external_reference="P-2")

    body = client_for(billing).get("/api/v1/patients/", {"external_source": "dips", "external_reference": "P-2"}).json()

    assert [row["id"] for row in body["results"]] == [wanted.pk]
    assert body["next_cursor"] is None


def test_it_finds_patients_by_date_of_birth_and_part_of_the_name(billing, client_for):
    wanted = PatientFactory(name="Kari Nordmann", date_of_birth=date(1990, 1, 2))
    PatientFactory(name="Kari Nordmann", date_of_birth=date(1991, 1, 2))
    PatientFactory(name="Ola Hansen", date_of_birth=date(1990, 1, 2))

    body = client_for(billing).get("/api/v1/patients/", {"date_of_birth": "1990-01-02", "name": "nordm"}).json()

    assert [row["id"] for row in body["results"]] == [wanted.pk]


def test_it_shows_each_listed_patients_balance(patient, billing, client_for):
    issued_invoice(patient)

    [row] = client_for(billing).get("/api/v1/patients/").json()["results"]

    assert row["balance"] == "71.00"


def test_it_refuses_a_cursor_it_did_not_give_out(billing, client_for):
    response = client_for(billing).get("/api/v1/patients/", {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_it_refuses_a_limit_out_of_range(billing, client_for, limit):
    response = client_for(billing).get("/api/v1/patients/", {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()


def test_it_lists_the_invoices_changed_since_a_moment(patient, billing, client_for):
    with time_machine.travel(at(MONDAY), tick=False):
        untouched = draft_invoice(patient)
        paid = issued_invoice(patient, issued=MONDAY)
    with time_machine.travel(at(MONDAY + timedelta(days=3)), tick=False):
        invoice_services.payment_record(invoice_id=paid.pk, amount="20.00", payer="patient", method="card", by=None)
        new = draft_invoice(patient)

    since = (at(MONDAY + timedelta(days=1))).isoformat()
    listed = pages(client_for(billing), "/api/v1/invoices/", updated_since=since)

    assert [row["id"] for row in listed] == [paid.pk, new.pk]
    assert untouched.pk not in [row["id"] for row in listed]
    assert listed[0]["updated_at"] > since


def test_it_lists_a_patients_invoices_by_status(patient, other_patient, billing, client_for):
    issued = issued_invoice(patient)
    draft_invoice(patient)
    issued_invoice(other_patient)

    body = client_for(billing).get("/api/v1/invoices/", {"patient": patient.pk, "status": "issued"}).json()

    assert [row["id"] for row in body["results"]] == [issued.pk]
    assert body["results"][0]["number"] == issued.number


def test_it_lists_a_complaint_again_once_it_is_closed(patient, billing, client_for):
    with time_machine.travel(at(MONDAY), tick=False):
        invoice = issued_invoice(patient, issued=MONDAY)
        closed = complaint_about(invoice, category="invoice_question", by=billing)
        complaint_about(issued_invoice(patient, issued=MONDAY), category="invoice_question", by=billing)
    with time_machine.travel(at(MONDAY + timedelta(days=2)), tick=False):
        dispute_services.complaint_close(
            complaint_id=closed.pk, by=billing, outcome="explained", prevention_note="Clearer line names."
        )

    client = client_for(billing)
    since = at(MONDAY + timedelta(days=1)).isoformat()
    changed = pages(client, "/api/v1/complaints/", updated_since=since)
    still_open = pages(client, "/api/v1/complaints/", status="open", patient=patient.pk)

    assert [row["id"] for row in changed] == [closed.pk]
    assert changed[0]["status"] == "closed"
    assert closed.pk not in [row["id"] for row in still_open]
    assert len(still_open) == 1


def test_it_lists_payments_however_they_were_recorded(patient, billing, client_for):
    invoice = issued_invoice(patient)
    with time_machine.travel(at(MONDAY), tick=False):
        invoice_services.payment_record(invoice_id=invoice.pk, amount="5.00", payer="patient", method="cash", by=None)
    with time_machine.travel(at(MONDAY + timedelta(days=2)), tick=False):
        invoice_services.payment_record(
            invoice_id=invoice.pk, amount="20.00", payer="insurer", method="settlement", by=billing
        )

    listed = pages(client_for(billing), "/api/v1/payments/", updated_since=at(MONDAY + timedelta(days=1)).isoformat())

    assert [(row["amount"], row["payer"], row["invoice"]) for row in listed] == [("20.00", "insurer", invoice.pk)]


def test_it_lists_every_invoices_reminders_changed_since_a_moment(patient, billing, client_for):
    invoice = issue(patient)
    day = invoice.due_date + timedelta(days=1)
    with time_machine.travel(at(day), tick=False):
        reminders = run_day(day)

    client = client_for(billing)
    listed = pages(client, "/api/v1/reminders/sync/", since=at(day, hour=9).isoformat())
    later = pages(client, "/api/v1/reminders/sync/", since=at(day, hour=11).isoformat())

    assert reminders
    assert [row["id"] for row in listed] == [reminder.pk for reminder in reminders]
    assert later == []


def test_it_audits_each_listed_record_as_read(billing, client_for):
    made = [PatientFactory() for _ in range(3)]

    client_for(billing).get("/api/v1/patients/", {"limit": 2})

    read = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=billing)
    assert sorted(int(entry.object_pk) for entry in read) == [made[0].pk, made[1].pk]


def test_it_lists_only_for_staff_who_may_see_the_records(patient, client_for):
    response = client_for(patient.user).get("/api/v1/patients/")

    assert response.status_code == 403


# --- Constant queries per page ------------------------------------------------------------------------------


def _world_of(size: int, billing) -> None:
    for _ in range(size):
        patient = PatientFactory()
        invoice = issued_invoice(patient)
        invoice_services.payment_record(invoice_id=invoice.pk, amount="10.00", payer="patient", method="card", by=None)
        dispute_services.complaint_accept_proposal(
            complaint_id=complaint_about(invoice, category="billing_error", by=billing).pk, by=billing
        )
        Reminder.objects.create(invoice=invoice, step=1, notice_type="reminder", fee="35.00")


# Each: the session, the user, the second factor's device, the user's groups with all permissions (4), the rows (1),
# then per list:
# patients: the balances (1), the audit rows (1);
# invoices: lines, entries, credit notes (3; their lines only when there are any), open complaints (1), the
#   collection states (1), the audit rows (1);
# complaints: lines, adjustments, status changes, calls (4), the approval settings (2), the audit rows (1);
# payments and reminders: the audit rows (1).
QUERIES = {
    "/api/v1/patients/": 7,
    "/api/v1/invoices/": 11,
    "/api/v1/complaints/": 12,
    "/api/v1/payments/": 6,
    "/api/v1/reminders/sync/": 6,
}


@pytest.mark.parametrize("url", QUERIES)
@pytest.mark.parametrize("size", [2, 20])
def test_a_page_costs_the_same_queries_whatever_its_size(
    url, size, billing, manager, client_for, django_assert_num_queries
):
    _world_of(size, billing)
    client = client_for(manager)

    with django_assert_num_queries(QUERIES[url]):
        body = client.get(url, {"limit": size}).json()

    assert len(body["results"]) == size
