"""The demo needs no authenticator app: seeded demo staff have a device whose code `demo_code` prints and the
code page shows in demo mode; none of it exists with DEBUG off, and a real user's code is never shown."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from mfa.services import DEMO_DEVICE_NAME, two_factor_check
from tests.conftest import FACTORY_PASSWORD, confirmed_device, current_code
from tests.production_django import run_django

DEMO_STAFF = ["frontdesk", "billing", "manager", "provider"]


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def printed_code(username: str) -> str:
    out = StringIO()
    call_command("demo_code", username, stdout=out)
    return out.getvalue().strip()


def at_the_code_page(username: str, password: str) -> Client:
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return client


@pytest.mark.django_db
def test_it_gives_each_demo_staff_user_a_set_up_demo_device_and_the_patient_none(seeded):
    devices = TOTPDevice.objects.filter(user__username__in=DEMO_STAFF, confirmed=True, name=DEMO_DEVICE_NAME)

    assert sorted(devices.values_list("user__username", flat=True)) == sorted(DEMO_STAFF)
    assert not TOTPDevice.objects.filter(user__username="patient").exists()


@pytest.mark.django_db
def test_seeding_again_keeps_the_same_device(seeded):
    before = list(TOTPDevice.objects.order_by("pk").values_list("pk", "key"))

    call_command("seed_demo", stdout=StringIO())

    assert list(TOTPDevice.objects.order_by("pk").values_list("pk", "key")) == before


@pytest.mark.django_db
def test_the_printed_code_is_the_one_the_device_accepts(seeded):
    user = User.objects.get(username="frontdesk")

    code = printed_code("frontdesk")

    assert code == current_code(TOTPDevice.objects.get(user=user))
    assert two_factor_check(user=user, code=code).accepted


@pytest.mark.django_db
def test_the_code_page_shows_a_demo_users_code_in_demo_mode(seeded, settings):
    settings.DEMO_MODE = True
    client = at_the_code_page("frontdesk", "demo")

    # After 15 idle minutes the demo user signs in again and lands here, not at the QR code.
    response = client.get(reverse("mfa:mfa-verify"))

    assert response.status_code == 200
    assert printed_code("frontdesk") in response.content.decode()
    assert b"data-demo-code" in response.content


@pytest.mark.django_db
def test_the_code_page_shows_no_code_outside_demo_mode(seeded, settings):
    settings.DEMO_MODE = False
    client = at_the_code_page("frontdesk", "demo")

    response = client.get(reverse("mfa:mfa-verify"))

    assert response.status_code == 200
    assert b"data-demo-code" not in response.content


@pytest.mark.django_db
def test_a_real_user_never_sees_a_code_even_in_demo_mode(settings, billing):
    settings.DEBUG = True
    settings.DEMO_MODE = True
    device = confirmed_device(billing)
    client = at_the_code_page(billing.username, FACTORY_PASSWORD)

    response = client.get(reverse("mfa:mfa-verify"))

    assert response.status_code == 200
    assert b"data-demo-code" not in response.content
    assert current_code(device) not in response.content.decode()
    with pytest.raises(CommandError, match="no demo authenticator"):
        printed_code(billing.username)


@pytest.mark.django_db
def test_with_debug_off_there_are_no_demo_devices_and_no_codes(settings):
    settings.DEBUG = False
    settings.DEMO_MODE = True
    call_command("seed_demo", "--force", stdout=StringIO())

    assert not TOTPDevice.objects.exists()
    with pytest.raises(CommandError, match="DEBUG is off"):
        printed_code("frontdesk")


@pytest.mark.django_db
def test_with_debug_off_a_demo_device_left_in_the_database_shows_no_code(seeded, settings):
    settings.DEBUG = False
    settings.DEMO_MODE = True
    client = at_the_code_page("frontdesk", "demo")

    response = client.get(reverse("mfa:mfa-verify"))

    assert b"data-demo-code" not in response.content


def test_production_settings_ignore_the_demo_flag():
    result = run_django("from clinic_billing import settings as s; print(s.DEBUG, s.DEMO_MODE)", DEMO_MODE="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"
