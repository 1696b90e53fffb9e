"""GET /api/v1/events/: after an id, oldest first, in pages; only what the caller may see; reads audited; the
same queries for a page of 2 as for a page of 20."""

import pytest
from auditlog.models import LogEntry
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integration_events.models import Event, EventType
from integration_events.services import event_record
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


def record(event_type: str, count: int = 1) -> list[Event]:
    """`count` events of `event_type`, each about a patient of its own."""
    with transaction.atomic():
        return [
            event_record(type=event_type, obj=patient, patient_id=patient.pk, data={"amount": "1.00"})  # type: ignore[arg-type]
            for patient in (PatientFactory() for _ in range(count))
        ]


def test_it_lists_events_after_an_id_oldest_first_and_after_is_exclusive(billing, client_for):
    events = record(EventType.PATIENT_CREATED, 4)

    body = client_for(billing).get(URL, {"after": events[1].pk}).json()

    assert [row["id"] for row in body["results"]] == [events[2].pk, events[3].pk]
    assert body["results"][0] == {
        "id": events[2].pk,
        "type": "patient.created",
        "created_at": body["results"][0]["created_at"],
        "object_type": "patient",
        "object_id": events[2].object_id,
        "patient_id": events[2].patient_id,
        "data": {"amount": "1.00"},
    }
    assert (body["has_more"], body["next_after"]) == (False, events[3].pk)


def test_it_pages_through_every_event_once_by_next_after(billing, client_for):
    made = [event.pk for event in record(EventType.INVOICE_ISSUED, 5)]
    client, after, seen = client_for(billing), 0, []

    while True:
        body = client.get(URL, {"after": after, "limit": 2}).json()
        seen += [row["id"] for row in body["results"]]
        after = body["next_after"]
        if not body["has_more"]:
            break

    assert seen == made
    assert client.get(URL, {"after": after}).json() == {"results": [], "has_more": False, "next_after": after}


def test_it_filters_by_type(billing, client_for):
    record(EventType.PATIENT_CREATED)
    [issued] = record(EventType.INVOICE_ISSUED)

    body = client_for(billing).get(URL, {"type": "invoice.issued"}).json()

    assert [row["id"] for row in body["results"]] == [issued.pk]


def test_it_shows_a_caller_only_the_events_of_records_they_may_read(provider, billing, client_for):
    """A provider reads patients and invoices but not the reminders or collection cases (api-reminder-sync)."""
    [created] = record(EventType.PATIENT_CREATED)
    record(EventType.REMINDER_SENT)
    record(EventType.CASE_DECIDED)

    provider_sees = [row["id"] for row in client_for(provider).get(URL).json()["results"]]
    billing_sees = client_for(billing).get(URL).json()["results"]

    assert provider_sees == [created.pk]
    assert len(billing_sees) == 3


def test_it_refuses_a_caller_without_a_staff_role(patient, client_for):
    record(EventType.PATIENT_CREATED)

    assert client_for(patient.user).get(URL).status_code == 403


@pytest.mark.parametrize("query", [{"after": "-1"}, {"after": "x"}, {"limit": "0"}, {"limit": "201"}, {"type": "x"}])
def test_it_refuses_a_query_it_cannot_read(query, billing, client_for):
    response = client_for(billing).get(URL, query)

    assert response.status_code == 400


def test_a_token_client_gets_the_feed_and_each_patient_named_is_audited_as_read(billing):
    events = record(EventType.PAYMENT_RECEIVED, 2)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=billing).key}")

    response = client.get(URL, REMOTE_ADDR="198.51.100.23")

    assert response.status_code == 200
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=billing, remote_addr="198.51.100.23")
    assert sorted(int(pk) for pk in reads.values_list("object_pk", flat=True)) == sorted(e.patient_id for e in events)


# The queries of one page, whatever its size:
#  1. the token's user (token authentication)
#  2. the user's staff roles with their own and their groups' permissions, in one query (clinic_billing.roles)
#  3. the page of events
#  4. the patients the page names (for the audit rows)
#  5. the audit rows, in one insert
FEED_QUERIES = 5


@pytest.mark.parametrize("size", [2, 20])
def test_a_page_costs_the_same_queries_whatever_its_size(size, billing, django_assert_num_queries):
    record(EventType.INVOICE_ISSUED, size)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=billing).key}")

    with django_assert_num_queries(FEED_QUERIES):
        body = client.get(URL, {"limit": size}).json()

    assert len(body["results"]) == size
