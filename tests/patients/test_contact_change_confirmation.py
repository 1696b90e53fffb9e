"""A patient's email changed by staff is confirmed (by the patient on the old channel, or by a second staff
member) before a portal invitation may go to it; the patient is told on the old channel."""

import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patient_collections.channels import DeliveryError
from patients.models import ContactChange, Patient
from portal.models import PortalInvitation
from tests import fake_smtp
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = "2026-12-07 10:00 +01:00"  # a Monday morning; the link works for 14 days
INSIDER = "desk.insider@example.org"


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def nora(db) -> Patient:
    """A patient without a portal account yet, reached by email."""
    return PatientFactory(
        name="Nora Berg", email="nora@example.org", phone="+47 400 12 345", language="en", preferred_channel="email"
    )


@pytest.fixture
def second_desk(db):
    return UserFactory(username="fredrik_frontdesk", roles=["front_desk"])


def change_email(client, patient: Patient, email: str, **extra: str):
    form = {"email": email, "phone": patient.phone, "language": "en", "preferred_channel": "email", **extra}
    response = client.post(reverse("frontdesk:patient-contact-edit", args=[patient.pk]), form)
    assert response.status_code == 302
    return response


def invite(client, patient: Patient):
    return client.post(reverse("portal:portal-staff-invite", kwargs={"patient_id": patient.pk}), follow=True)


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+/portal/contact-change/(\S+)/", body)
    assert match is not None, body
    return reverse("portal:portal-contact-change-confirm", kwargs={"token": match.group(1)})


def test_a_staff_change_blocks_the_invitation_and_tells_the_patient_at_the_old_address(
    client_for, front_desk, nora, django_capture_on_commit_callbacks
):
    desk = client_for(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, INSIDER)

    response = invite(desk, nora)

    assert "is not confirmed yet" in response.content.decode()
    assert not PortalInvitation.objects.exists()
    assert [message.to for message in mail.outbox] == [["nora@example.org"]]
    assert INSIDER in mail.outbox[0].body
    assert "/portal/contact-change/" in mail.outbox[0].body
    change = ContactChange.objects.get()
    assert (change.old_email, change.new_email, change.changed_by) == ("nora@example.org", INSIDER, front_desk)


def test_the_notice_leaves_only_after_the_change_is_committed(
    client_for, front_desk, nora, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_email(client_for(front_desk), nora, INSIDER)

    assert mail.outbox == []  # nothing left while the patient's row was locked
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["nora@example.org"]]


def test_the_patient_confirms_with_the_link_and_then_the_invitation_goes(
    client, client_for, front_desk, nora, django_capture_on_commit_callbacks
):
    desk = client_for(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, "nora.berg@newmail.example")
    confirm = link_in(mail.outbox[0].body)

    page = client.get(confirm)
    assert page.status_code == 200
    assert "nora.berg@newmail.example" in page.content.decode()
    assert ContactChange.objects.get().confirmed_at is None  # opening the link (a mail scanner) confirms nothing
    assert client.post(confirm).status_code == 200

    change = ContactChange.objects.get()
    assert change.confirmed_at is not None
    assert change.confirmed_by is None
    invite(desk, nora)
    assert PortalInvitation.objects.get().email == "nora.berg@newmail.example"


def test_the_staff_member_who_changed_it_cannot_confirm_it_but_a_second_one_can(
    client_for, front_desk, second_desk, nora
):
    desk = client_for(front_desk)
    change_email(desk, nora, "nora.berg@newmail.example")
    change = ContactChange.objects.get()
    confirm = reverse("frontdesk:patient-contact-change-confirm", args=[nora.pk, change.pk])

    own = desk.post(confirm, follow=True)
    assert "another staff member must confirm it" in own.content.decode()
    change.refresh_from_db()
    assert change.confirmed_at is None
    assert confirm not in desk.get(reverse("frontdesk:patient-detail", args=[nora.pk])).content.decode()

    other = client_for(second_desk)
    assert confirm in other.get(reverse("frontdesk:patient-detail", args=[nora.pk])).content.decode()
    other.post(confirm)
    change.refresh_from_db()
    assert (change.confirmed_by, change.confirmed_at is not None) == (second_desk, True)
    invite(desk, nora)
    assert PortalInvitation.objects.get().email == "nora.berg@newmail.example"


def test_a_patient_without_a_previous_address_is_told_by_text_message(
    settings, tmp_path, client_for, front_desk, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "patient_collections.channels.FileSmsBackend"
    settings.SMS_OUTBOX = str(tmp_path / "sms.log")
    ola = PatientFactory(email="", phone="+47 400 99 999", language="en", preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        change_email(client_for(front_desk), ola, INSIDER, preferred_channel="sms")

    outbox = Path(settings.SMS_OUTBOX).read_text(encoding="utf-8")
    assert "to +47 400 99 999" in outbox
    assert "/portal/contact-change/" in outbox
    assert ContactChange.objects.get().notified_by == ContactChange.NotifiedBy.SMS
    assert mail.outbox == []
    invite(client_for(front_desk), ola)
    assert not PortalInvitation.objects.exists()


def test_an_expired_link_confirms_nothing(client, client_for, front_desk, nora, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_email(client_for(front_desk), nora, "nora.berg@newmail.example")
    confirm = link_in(mail.outbox[0].body)

    with time_machine.travel("2026-12-21 10:00:01 +01:00", tick=False):
        assert client.get(confirm).status_code == 404
        assert client.post(confirm).status_code == 404

    assert ContactChange.objects.get().confirmed_at is None


def test_a_change_the_patient_makes_in_the_portal_needs_no_confirmation(client_for, patient):
    form = {"email": "kari.new@example.org", "language": "nb", "preferred_channel": "email"}
    response = client_for(patient.user).post(reverse("portal:portal-contact", kwargs={"patient_id": patient.pk}), form)

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.email == "kari.new@example.org"
    assert not ContactChange.objects.exists()


def test_a_change_of_other_details_leaves_invitations_alone(client_for, front_desk, nora):
    desk = client_for(front_desk)
    change_email(desk, nora, "NORA@example.org ", phone="+47 411 11 111")

    invite(desk, nora)

    assert not ContactChange.objects.exists()
    assert PortalInvitation.objects.get().email == "nora@example.org"


def test_a_second_change_is_told_to_the_address_from_before_the_first_unconfirmed_one(
    client, client_for, front_desk, nora, django_capture_on_commit_callbacks
):
    desk = client_for(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, INSIDER)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, "second@example.org")

    # The insider's own address never gets the link that would confirm the address after it.
    assert [message.to for message in mail.outbox] == [["nora@example.org"], ["nora@example.org"]]
    assert "second@example.org" in mail.outbox[1].body


def test_confirming_the_first_change_of_a_chain_leaves_invitations_blocked(
    client, client_for, front_desk, nora, django_capture_on_commit_callbacks
):
    desk = client_for(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, INSIDER)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, "second@example.org")

    client.post(link_in(mail.outbox[0].body))
    invite(desk, nora)

    assert not PortalInvitation.objects.exists()


def test_the_patient_confirming_the_latest_link_confirms_the_chain(
    client, client_for, front_desk, nora, django_capture_on_commit_callbacks
):
    desk = client_for(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, INSIDER)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, nora, "second@example.org")

    client.post(link_in(mail.outbox[1].body))
    invite(desk, nora)

    assert not ContactChange.objects.filter(confirmed_at__isnull=True).exists()
    assert PortalInvitation.objects.get().email == "second@example.org"


def test_a_staff_member_who_made_any_change_of_the_chain_cannot_confirm_it(client_for, front_desk, second_desk, nora):
    change_email(client_for(front_desk), nora, INSIDER)
    change_email(client_for(second_desk), nora, "second@example.org")
    latest = ContactChange.objects.order_by("-pk").first()
    assert latest is not None

    client_for(front_desk).post(reverse("frontdesk:patient-contact-change-confirm", args=[nora.pk, latest.pk]))

    assert not ContactChange.objects.filter(confirmed_at__isnull=False).exists()


def test_a_staff_change_of_the_only_phone_left_does_not_become_the_channel_of_the_notice(
    settings, tmp_path, client_for, front_desk, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "patient_collections.channels.FileSmsBackend"
    settings.SMS_OUTBOX = str(tmp_path / "sms.log")
    ola = PatientFactory(email="", phone="+47 400 99 999", language="en", preferred_channel="sms")
    desk = client_for(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, ola, INSIDER, preferred_channel="sms")
    ola.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        change_email(desk, ola, "second@example.org", preferred_channel="sms", phone="+47 911 11 111")

    outbox = Path(settings.SMS_OUTBOX).read_text(encoding="utf-8")
    assert outbox.count("to +47 400 99 999") == 2
    assert "+47 911 11 111" not in outbox


class RefusingSmsBackend:
    """An SMS provider that refuses every message."""

    idempotent = False

    def send(self, *, to: str, text: str, reference: str) -> None:
        raise DeliveryError("provider refused")


def test_a_relay_that_never_answers_leaves_the_change_saved_and_recorded_as_not_told(
    settings, client_for, front_desk, nora, caplog, django_capture_on_commit_callbacks
):
    with fake_smtp.hanging() as relay:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = relay.host, relay.port
        settings.EMAIL_TIMEOUT = 0.5
        with django_capture_on_commit_callbacks(execute=True):
            change_email(client_for(front_desk), nora, INSIDER)

    change = ContactChange.objects.get()
    assert change.notified_by == ContactChange.NotifiedBy.NONE
    nora.refresh_from_db()
    assert nora.email == INSIDER
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"contact change {change.pk}" in logged
    assert "nora" not in logged.lower() and INSIDER not in logged


def test_a_refused_text_message_is_recorded_as_not_told(
    settings, client_for, front_desk, caplog, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.patients.test_contact_change_confirmation.RefusingSmsBackend"
    ola = PatientFactory(email="", phone="+47 400 99 999", language="en", preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        change_email(client_for(front_desk), ola, INSIDER, preferred_channel="sms")

    assert ContactChange.objects.get().notified_by == ContactChange.NotifiedBy.NONE
    assert "400 99 999" not in " ".join(record.getMessage() for record in caplog.records)


def test_the_text_message_is_short_and_has_no_letter_greeting_or_footer(
    settings, tmp_path, client_for, front_desk, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "patient_collections.channels.FileSmsBackend"
    settings.SMS_OUTBOX = str(tmp_path / "sms.log")
    ola = PatientFactory(name="Ola Nordmann", email="", phone="+47 400 99 999", language="en", preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        change_email(client_for(front_desk), ola, INSIDER, preferred_channel="sms")

    text = Path(settings.SMS_OUTBOX).read_text(encoding="utf-8").split("\n", 1)[1]
    assert "Hello" not in text and "Ola Nordmann" not in text
    assert settings.CLINIC["email"] not in text
    assert INSIDER in text and "/portal/contact-change/" in text
    assert len(text.strip()) < 300


def test_the_account_page_says_no_link_was_sent_when_no_channel_was_left(client_for, front_desk, second_desk):
    lone = PatientFactory(email="", phone="", language="en", preferred_channel="letter")
    address = {"address_line": "Storgata 1", "postal_code": "0155", "city": "Oslo"}
    change_email(client_for(front_desk), lone, INSIDER, preferred_channel="letter", phone="", **address)
    assert ContactChange.objects.get().notified_by == ContactChange.NotifiedBy.NONE

    page = client_for(second_desk).get(reverse("frontdesk:patient-detail", args=[lone.pk])).content.decode()
    assert "No link could be sent to the patient" in page
    assert "link sent to their previous address" not in page
    refusal = invite(client_for(second_desk), lone).content.decode()
    assert "No link could be sent to the patient" in refusal
    assert "link sent to their previous address" not in refusal


def test_the_account_page_tells_the_one_who_made_the_change_that_another_staff_member_must_confirm(
    client_for, front_desk, nora
):
    desk = client_for(front_desk)
    change_email(desk, nora, INSIDER)

    page = desk.get(reverse("frontdesk:patient-detail", args=[nora.pk])).content.decode()

    assert "You made this change: another staff member must confirm it" in page
