"""The follow-up calls worklist: who to call, why, and one click to record how it went."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Complaint
from patient_collections.models import FollowUpCall
from tests.factories import PatientFactory, issued_invoice

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def closed_complaint_call(patient, *, by) -> FollowUpCall:
    """The follow-up call a closed complaint schedules (due after the policy's three days)."""
    complaint = services.complaint_file(
        patient_id=patient.pk,
        invoice_id=issued_invoice(patient).pk,
        line_ids=[],
        channel="desk",
        category="invoice_question",
        description="What is this bill for?",
        by=by,
    )
    services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer", by=by)
    return FollowUpCall.objects.get(complaint=complaint)


def test_it_lists_open_calls_with_phone_reason_and_complaint(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    page = client_for(front_desk).get(reverse("call-list")).content.decode()
    assert patient.name in page
    assert '<a href="tel:+4740000000">+47 400 00 000</a>' in page
    assert "Ask if the patient is satisfied with how it was handled" in page
    assert reverse("complaint-detail", args=[call.complaint_id]) in page


def test_it_records_an_outcome_in_one_click_and_swaps_the_row(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    response = client_for(front_desk).post(
        reverse("call-outcome", args=[call.pk]), {"outcome": "satisfied", "note": ""}, headers=HTMX
    )
    row = response.content.decode()
    assert row.startswith(f'<tr id="call-{call.pk}">')
    assert "Call recorded: Satisfied." in row
    assert 'name="outcome"' not in row
    call.refresh_from_db()
    assert (call.outcome, call.attempts, call.completed_by) == ("satisfied", 1, front_desk)


def test_it_tries_again_tomorrow_after_no_answer(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    row = (
        client_for(front_desk)
        .post(reverse("call-outcome", args=[call.pk]), {"outcome": "no_answer"}, headers=HTMX)
        .content.decode()
    )
    assert "Last try: No answer" in row
    assert 'name="outcome"' in row
    call.refresh_from_db()
    assert call.completed_at is None
    assert call.due_at > timezone.now() + timedelta(hours=23)


def test_it_sends_an_unhappy_patient_back_to_the_office_manager(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    client_for(front_desk).post(reverse("call-outcome", args=[call.pk]), {"outcome": "not_satisfied"})
    complaint = Complaint.objects.get()
    assert (complaint.status, complaint.route_to) == ("escalated", "office_manager")


def test_it_redirects_with_a_message_without_htmx(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    client = client_for(front_desk)
    first = client.post(reverse("call-outcome", args=[call.pk]), {"outcome": "done"}, follow=True)
    assert first.redirect_chain == [(reverse("call-list"), 302)]
    assert [str(m) for m in first.context["messages"]] == ["Call recorded: Done."]
    again = client.post(reverse("call-outcome", args=[call.pk]), {"outcome": "done"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["This call is already recorded."]


def test_it_shows_a_refusal_inside_the_row_with_htmx(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    row = (
        client_for(front_desk)
        .post(reverse("call-outcome", args=[call.pk]), {"outcome": "maybe"}, headers=HTMX)
        .content.decode()
    )
    assert "Choose the outcome of the call." in row
    call.refresh_from_db()
    assert call.attempts == 0


def test_it_leaves_recorded_calls_off_the_list(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    client_for(front_desk).post(reverse("call-outcome", args=[call.pk]), {"outcome": "done"})
    assert client_for(front_desk).get(reverse("call-list")).context["calls"] == []


def test_it_refuses_a_patient_user(patient, manager, client_for):
    call = closed_complaint_call(patient, by=manager)
    client = client_for(patient.user)
    assert client.get(reverse("call-list")).status_code == 403
    assert client.post(reverse("call-outcome", args=[call.pk]), {"outcome": "done"}).status_code == 403
    call.refresh_from_db()
    assert call.completed_at is None


def test_it_answers_404_for_an_unknown_call(front_desk, client_for):
    response = client_for(front_desk).post(reverse("call-outcome", args=[999999]), {"outcome": "done"})
    assert response.status_code == 404


def test_it_lists_calls_in_a_fixed_number_of_queries(manager, front_desk, client_for, django_assert_num_queries):
    client = client_for(front_desk)
    for count in (1, 10):
        while FollowUpCall.objects.count() < count:
            closed_complaint_call(PatientFactory(), by=manager)
        # 1 session, 2 user, 3 the user's staff roles, 4-5 the user's and the groups' permissions,
        # 6 count of open calls (paginator), 7 the page with patients, invoices and complaints
        with django_assert_num_queries(7):
            response = client.get(reverse("call-list"))
        assert len(response.context["calls"]) == count
