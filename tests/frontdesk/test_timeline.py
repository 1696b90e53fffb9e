"""The patient's timeline: every kind of event in one list, newest first, filterable, read in a constant number
of queries."""

import pytest
from django.contrib.contenttypes.models import ContentType

from frontdesk.timeline import EventKind, patient_timeline
from patients.models import Patient
from tests.factories import account_history

pytestmark = pytest.mark.django_db


def test_it_shows_every_kind_of_event_newest_first(patient, front_desk):
    account_history(patient, by=front_desk)

    events = patient_timeline(patient_id=patient.pk)

    assert {event.kind for event in events} == set(EventKind)
    assert [event.at for event in events] == sorted((event.at for event in events), reverse=True)


def test_it_names_the_channel_and_delivery_of_a_notice_and_the_refused_caller(patient, front_desk):
    account_history(patient, by=front_desk)
    events = patient_timeline(patient_id=patient.pk, kinds={EventKind.REMINDER, EventKind.THIRD_PARTY})

    notice = next(event for event in events if event.kind == EventKind.REMINDER)
    caller = next(event for event in events if event.kind == EventKind.THIRD_PARTY)
    assert ("Email" in notice.title, notice.detail) == (True, "Sent")
    assert ("Caller 0" in caller.title, "nothing shared" in caller.detail, caller.attention) == (True, True, True)


def test_a_filter_shows_only_its_kind(patient, front_desk):
    account_history(patient, by=front_desk)
    assert {event.kind for event in patient_timeline(patient_id=patient.pk, kinds={EventKind.NOTE})} == {EventKind.NOTE}


@pytest.mark.parametrize("rounds", [1, 6])
def test_it_reads_the_timeline_in_ten_queries_however_many_events(
    patient, front_desk, django_assert_num_queries, rounds
):
    account_history(patient, by=front_desk, rounds=rounds)
    ContentType.objects.get_for_model(Patient)  # the content type the audit log's query names is cached
    # 1 ledger entries with invoice, poster and credit note, 2 notices with invoice, 3 complaints with decision,
    # invoice, proxy and staff, 4 calls with invoice and who made them, 5 portal messages, 6 contact changes (the
    # audit log, with actor), 7 proxies with who registered and revoked them, 8 third-party contacts, 9 notes
    # with writer, 10 promises to pay with invoice and writer
    with django_assert_num_queries(10):
        events = patient_timeline(patient_id=patient.pk)
    assert len(events) >= 10 * rounds


def test_a_filter_reads_only_the_sources_of_its_kind(patient, front_desk, django_assert_num_queries):
    account_history(patient, by=front_desk)
    with django_assert_num_queries(1):
        patient_timeline(patient_id=patient.pk, kinds={EventKind.PROMISE})
