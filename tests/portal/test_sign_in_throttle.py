"""The portal's per-username throttle: many failures from many addresses do not lock a patient out for good."""

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mfa.sign_in_throttle import username_failures
from tests.conftest import FACTORY_PASSWORD, confirmed_device, current_code
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel("2026-12-07 09:00 +01:00", tick=False):
        yield


@pytest.fixture
def kari(db):
    user = UserFactory(username="kari@example.org", email="kari@example.org")
    PatientFactory(name="Kari Nordmann", email="kari@example.org", language="en", user=user)
    return user


def sign_in(client: Client, password: str, otp_token: str = ""):
    data = {"username": "kari@example.org", "password": password, "otp_token": otp_token}
    return client.post(reverse("portal:portal-login"), data)


def fail_from_many_addresses() -> None:
    for number in range(5):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{number + 1}"), "wrong")


def test_a_patient_with_the_second_step_signs_in_with_password_and_code(kari):
    device = confirmed_device(kari)
    fail_from_many_addresses()
    client = Client(REMOTE_ADDR="203.0.113.5")

    alone = sign_in(client, FACTORY_PASSWORD)
    assert 'name="otp_token"' in alone.content.decode()
    response = sign_in(client, FACTORY_PASSWORD, otp_token=current_code(device))

    assert response["Location"] == reverse("portal:portal-home")
    # The code typed with the password verified the session: no two-step page comes next.
    home = client.get(reverse("portal:portal-home"), follow=True)
    assert home.status_code == 200
    assert [url for url, _status in home.redirect_chain] == [
        reverse("portal:portal-bills", kwargs={"patient_id": kari.patient.pk})
    ]


def test_a_password_reset_lifts_the_throttle_of_an_account_without_the_second_step(kari):
    fail_from_many_addresses()
    refused = Client(REMOTE_ADDR="203.0.113.5")
    sign_in(refused, FACTORY_PASSWORD)
    assert "_auth_user_id" not in refused.session

    owner = Client(REMOTE_ADDR="203.0.113.5")
    uid = urlsafe_base64_encode(force_bytes(kari.pk))
    link = reverse(
        "portal:portal-password-reset-confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(kari)},
    )
    set_password = owner.get(link)["Location"]
    owner.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert username_failures("kari@example.org") == 0
    assert sign_in(owner, NEW_PASSWORD)["Location"] == reverse("portal:portal-home")


def test_a_throttled_patient_is_still_told_they_can_reset_their_password(kari):
    confirmed_device(kari)
    fail_from_many_addresses()

    html = sign_in(Client(REMOTE_ADDR="203.0.113.5"), FACTORY_PASSWORD).content.decode()

    assert "Without the app, reset your password or wait 60 minutes." in html
