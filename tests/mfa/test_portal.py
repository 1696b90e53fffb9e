"""Patients may turn the second step on; once on, no portal page before it."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import confirmed_device, current_code


@pytest.fixture
def patient(patient):
    """These tests read the portal's English; pages follow the patient's language."""
    patient.language = "en"
    patient.save(update_fields=["language"])
    return patient


def portal_sign_in(email_username: str) -> tuple[Client, object]:
    client = Client()
    response = client.post(
        reverse("portal:portal-login"), {"username": email_username, "password": "correct-horse-battery"}
    )
    return client, response


def test_a_patient_without_a_device_is_never_asked(patient, client_for):
    client = client_for(patient.user)

    assert client.get(reverse("portal:portal-bills", args=[patient.pk])).status_code == 200
    assert client.get(reverse("mfa:mfa-portal-settings")).status_code == 200


def test_the_contact_page_links_to_two_step_sign_in(patient, client_for):
    response = client_for(patient.user).get(reverse("portal:portal-contact", args=[patient.pk]))

    assert reverse("mfa:mfa-portal-settings") in response.content.decode()


def test_a_patient_turns_it_on_and_must_then_pass_it_after_signing_in(patient, client_for):
    client = client_for(patient.user)
    client.get(reverse("mfa:mfa-portal-setup"))
    device = TOTPDevice.objects.get(user=patient.user, confirmed=False)
    response = client.post(reverse("mfa:mfa-portal-setup"), {"code": current_code(device)})
    assert "Your recovery codes" in response.content.decode()
    assert client.get(reverse("portal:portal-bills", args=[patient.pk])).status_code == 200

    fresh, response = portal_sign_in(patient.user.username)
    bills = reverse("portal:portal-bills", args=[patient.pk])
    gate = fresh.get(bills)
    assert gate.status_code == 302 and gate["Location"].startswith(reverse("mfa:mfa-portal-verify"))
    assert fresh.get("/api/v1/adjustments/").status_code == 403

    device.refresh_from_db()
    device.last_t = -1  # the same 30-second code again, as a person signing in twice would type the next one
    device.save()
    assert (
        fresh.post(reverse("mfa:mfa-portal-verify"), {"code": current_code(device), "next": bills})["Location"] == bills
    )
    assert fresh.get(bills).status_code == 200


def test_a_patient_turns_it_off(patient, client_for):
    from tests.conftest import verify_otp

    client = client_for(patient.user)
    verify_otp(client, patient.user)

    client.post(reverse("mfa:mfa-portal-settings"))

    assert not TOTPDevice.objects.filter(user=patient.user).exists()
    fresh, _response = portal_sign_in(patient.user.username)
    assert fresh.get(reverse("portal:portal-bills", args=[patient.pk])).status_code == 200


def test_staff_are_sent_to_the_staff_pages(manager, client_for):
    confirmed_device(manager)

    assert client_for(manager).get(reverse("mfa:mfa-portal-setup")).status_code == 403


def test_turning_it_on_ends_the_patients_other_sessions(patient, client_for):
    """Someone who knows the password and is signed in elsewhere loses that session at once."""
    here, elsewhere = client_for(patient.user), client_for(patient.user)
    bills = reverse("portal:portal-bills", args=[patient.pk])
    assert elsewhere.get(bills).status_code == 200

    here.get(reverse("mfa:mfa-portal-setup"))
    device = TOTPDevice.objects.get(user=patient.user, confirmed=False)
    here.post(reverse("mfa:mfa-portal-setup"), {"code": current_code(device)})

    assert here.get(bills).status_code == 200
    assert elsewhere.get(bills).status_code == 302
