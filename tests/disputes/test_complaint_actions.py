"""What may this user do now with a complaint: the page shows it, the API and the service enforce the same."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from clinic_billing.exceptions import PermissionDenied
from disputes import letters, services
from disputes.models import Complaint
from disputes.permissions import complaint_actions
from tests.factories import complaint_about, issued_invoice

pytestmark = pytest.mark.django_db

CLOSING = {
    "outcome": "explained",
    "prevention_note": "INTERNAL: reception script to explain frikort limits",
    "resolution_text": "We showed you that the frikort does not cover dressing materials.",
}


def file(patient, category: str, by) -> Complaint:
    return complaint_about(
        issued_invoice(patient), category=category, by=by, description="I have a frikort, why do I pay?"
    )


def escalated(patient, by) -> Complaint:
    """A complaint whose meeting deadline passed: the sweep routes it to the office manager."""
    complaint = file(patient, "coverage_misunderstanding", by)
    services.complaints_escalate_overdue(now=complaint.meeting_due_at + timedelta(minutes=1))
    complaint.refresh_from_db()
    return complaint


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def test_it_lets_the_front_desk_close_an_explanation_routed_to_it(patient, front_desk, client_for):
    complaint = file(patient, "coverage_misunderstanding", front_desk)
    client = client_for(front_desk)
    url = reverse("disputes:complaint-close", args=[complaint.pk])

    page = client.get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    client.post(url, {**CLOSING, "action": "preview"})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN
    client.post(url, {**CLOSING, "action": "close"})

    complaint.refresh_from_db()
    assert url in page
    assert (complaint.status, complaint.closed_by) == (Complaint.Status.CLOSED, front_desk)
    assert complaint.resolution_text == CLOSING["resolution_text"]


def test_it_refuses_the_front_desk_closing_a_care_complaint(patient, front_desk, client_for):
    complaint = file(patient, "care_quality", front_desk)
    client = client_for(front_desk)

    page = client.get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    response = client.post(reverse("disputes:complaint-close", args=[complaint.pk]), {**CLOSING, "action": "close"})
    api = post(client, f"/api/v1/complaints/{complaint.pk}/close/", CLOSING)

    assert reverse("disputes:complaint-close", args=[complaint.pk]) not in page
    assert (response.status_code, api.status_code) == (403, 403)
    assert Complaint.objects.get().status == Complaint.Status.OPEN


def test_it_lets_the_front_desk_close_an_explanation_through_the_api(patient, front_desk, client_for):
    complaint = file(patient, "partial_payment", front_desk)
    response = post(client_for(front_desk), f"/api/v1/complaints/{complaint.pk}/close/", CLOSING)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["resolution_text"]) == ("closed", CLOSING["resolution_text"])


def test_it_lets_only_the_office_manager_record_a_meeting_routed_to_them(patient, front_desk, manager, client_for):
    complaint = escalated(patient, front_desk)
    assert complaint.route_to == "office_manager"

    page = client_for(front_desk).get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    api = post(client_for(front_desk), f"/api/v1/complaints/{complaint.pk}/met/")
    with pytest.raises(PermissionDenied):
        services.complaint_mark_met(complaint_id=complaint.pk, by=front_desk)

    assert reverse("disputes:complaint-met", args=[complaint.pk]) not in page
    assert api.status_code == 403
    assert complaint_actions(manager, complaint).meet
    services.complaint_mark_met(complaint_id=complaint.pk, by=manager)
    assert Complaint.objects.get().status == Complaint.Status.MET


def test_it_lets_the_front_desk_record_a_meeting_the_provider_held(patient, front_desk):
    complaint = file(patient, "care_quality", front_desk)
    assert complaint_actions(front_desk, complaint).meet
    assert services.complaint_mark_met(complaint_id=complaint.pk, by=front_desk).status == Complaint.Status.MET


def test_it_previews_the_letter_text_without_the_internal_prevention_note(patient, billing, client_for):
    complaint = file(patient, "coverage_misunderstanding", billing)
    response = client_for(billing).post(
        reverse("disputes:complaint-close", args=[complaint.pk]), {**CLOSING, "action": "preview"}
    )
    page = response.content.decode()
    preview = page[page.index('id="letter-preview"') :]

    assert response.status_code == 200
    assert CLOSING["resolution_text"] in preview
    assert "INTERNAL" not in preview
    assert 'value="close"' in page
    assert Complaint.objects.get().status == Complaint.Status.OPEN


def test_it_shows_no_close_button_before_the_preview(patient, billing, client_for):
    complaint = file(patient, "coverage_misunderstanding", billing)
    page = client_for(billing).get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    assert 'value="preview"' in page and 'value="close"' not in page


def test_it_writes_the_resolution_text_and_not_the_prevention_note_into_the_letter(patient, billing):
    complaint = file(patient, "coverage_misunderstanding", billing)
    services.complaint_close(complaint_id=complaint.pk, by=billing, **CLOSING)

    html = letters.resolution_letter_html(complaint)

    assert CLOSING["resolution_text"] in html
    assert "INTERNAL" not in html
