"""The calls worklist shows what the patient asked (note, preferred time and channel); a call to a patient with
no phone number becomes a written task: a portal message (sent from the row) or a letter."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from clinic_billing.exceptions import ApplicationError
from patient_collections import services as collection_services
from patient_collections.models import FollowUpCall, PortalMessage
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def callback(patient, **fields) -> FollowUpCall:
    call, _created = collection_services.follow_up_call_open(
        idempotency_key=f"test-callback-{patient.pk}",
        patient_id=patient.pk,
        invoice_id=None,
        reason=FollowUpCall.Reason.CALLBACK_REQUEST,
        role="billing",
        due_at=timezone.now(),
        **fields,
    )
    return call


def row_of(page: str, call: FollowUpCall) -> str:
    return page.split(f'<tr id="call-{call.pk}">', 1)[1].split("</tr>", 1)[0]


def test_the_worklist_shows_the_preferred_time_and_channel_and_links_the_note(front_desk, client_for):
    call = callback(
        PatientFactory(),
        request_note="Would like to talk about a payment plan.",
        preferred_time="Afternoons after 2",
        preferred_channel="sms",
    )

    row = row_of(client_for(front_desk).get(reverse("collections:call-list")).content.decode(), call)

    assert "Afternoons after 2" in row
    assert "Text message (SMS)" in row
    # The patient's own words may name their health: one click away, never on the list (minimum necessary).
    assert reverse("collections:call-request-note", args=[call.pk]) in row
    assert "payment plan" not in row


def test_the_note_page_shows_the_patients_words_and_logs_the_read(front_desk, client_for):
    call = callback(PatientFactory(), request_note="Would like to talk about a payment plan.", preferred_time="Noon")

    page = client_for(front_desk).get(reverse("collections:call-request-note", args=[call.pk])).content.decode()

    assert "Would like to talk about a payment plan." in page
    assert "Noon" in page
    read = LogEntry.objects.get(object_pk=str(call.pk), action=LogEntry.Action.ACCESS)
    assert read.actor == front_desk


def test_a_patient_without_a_phone_but_with_a_portal_account_gets_a_portal_message_task(front_desk, client_for):
    patient = PatientFactory(phone="", user=UserFactory(username="kari@example.org"))
    call = callback(patient, request_note="Please explain the fee.")
    client = client_for(front_desk)

    row = row_of(client.get(reverse("collections:call-list")).content.decode(), call)
    assert "No phone number" in row and "Send a portal message instead" in row
    assert "tel:" not in row and 'name="outcome"' not in row

    answer = client.post(
        reverse("collections:call-write-instead", args=[call.pk]),
        {"message": "The fee is the reminder fee the law allows."},
        headers=HTMX,
    ).content.decode()

    assert "Portal message sent instead of a call." in answer
    message = PortalMessage.objects.get(patient=patient)
    assert message.body == "The fee is the reminder fee the law allows."
    call.refresh_from_db()
    assert (call.outcome, call.completed_by) == (FollowUpCall.Outcome.DONE, front_desk)
    assert call.outcome_note == "Portal message: The fee is the reminder fee the law allows."


def test_a_patient_without_a_phone_or_portal_account_gets_a_letter_task(front_desk, client_for):
    patient = PatientFactory(phone="")
    call = callback(patient)
    client = client_for(front_desk)

    row = row_of(client.get(reverse("collections:call-list")).content.decode(), call)
    assert "Send a letter instead" in row

    response = client.post(
        reverse("collections:call-write-instead", args=[call.pk]), {"message": "Offered a plan"}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == ["Letter recorded as sent instead of a call."]
    assert not PortalMessage.objects.exists()
    call.refresh_from_db()
    assert call.completed_at is not None
    assert call.outcome_note == "Letter: Offered a plan"


def test_a_portal_message_needs_its_text(front_desk):
    call = callback(PatientFactory(phone="", user=UserFactory(username="kari@example.org")))

    with pytest.raises(ApplicationError, match="Write the message the patient will read"):
        collection_services.follow_up_call_write_instead(call_id=call.pk, message="  ", by=front_desk)

    call.refresh_from_db()
    assert call.completed_at is None
    assert not PortalMessage.objects.exists()


def test_a_patient_with_a_phone_number_is_called_not_written_to(front_desk, client_for):
    call = callback(PatientFactory())

    row = client_for(front_desk).post(
        reverse("collections:call-write-instead", args=[call.pk]), {"message": "Hello"}, headers=HTMX
    )

    assert "This patient has a phone number now: call them instead." in row.content.decode()
    call.refresh_from_db()
    assert call.completed_at is None


def test_a_patient_cannot_record_the_task(client_for):
    patient = PatientFactory(phone="", user=UserFactory(username="kari@example.org"))
    call = callback(patient)

    response = client_for(patient.user).post(
        reverse("collections:call-write-instead", args=[call.pk]), {"message": "Hi"}
    )

    assert response.status_code == 403
    assert not PortalMessage.objects.exists()
