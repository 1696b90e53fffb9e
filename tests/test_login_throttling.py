"""Staff sign-in throttling: a lock per network address (django-axes), a throttle per username that the
password plus the second step still passes (mfa/sign_in_throttle.py), and no escape by a forged header."""

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from mfa.sign_in_throttle import sign_in_with_second_step, username_failures
from tests.conftest import confirmed_device, current_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = "2026-12-07 09:00 +01:00"


@pytest.fixture(autouse=True)
def time():
    """Lockouts and codes depend on the clock: pin it (a Monday morning)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def staff_member(db):
    user = UserFactory(username="bjorn_billing", roles=["billing"])
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client: Client, username: str, password: str, otp_token: str = "", **headers: str):
    data = {"username": username, "password": password, "otp_token": otp_token}
    return client.post(reverse("login"), data, **headers)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_right_password_signs_in_before_any_failure(client, staff_member):
    response = sign_in(client, "bjorn_billing", PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def fail_from_many_addresses(username: str, times: int = 5) -> None:
    """An attacker's wrong passwords, each from another address (a botnet): no address reaches its own lock."""
    for number in range(times):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{number + 1}"), username, "wrong")


def test_failures_from_many_addresses_do_not_lock_out_a_staff_member_who_has_the_second_step(staff_member):
    fail_from_many_addresses("bjorn_billing", times=20)
    client = Client(REMOTE_ADDR="203.0.113.77")
    device = confirmed_device(staff_member)

    response = sign_in(client, "bjorn_billing", PASSWORD, otp_token=current_code(device))

    assert response.status_code == 302
    assert is_signed_in(client)
    # The code typed with the password verified the session: the staff pages open without a second prompt.
    assert client.get(reverse("frontdesk:home")).status_code == 200


def test_after_five_failures_from_anywhere_the_password_alone_no_longer_signs_in(staff_member):
    confirmed_device(staff_member)
    fail_from_many_addresses("bjorn_billing")
    client = Client(REMOTE_ADDR="203.0.113.77")

    response = sign_in(client, "bjorn_billing", PASSWORD)

    assert response.status_code == 200
    assert not is_signed_in(client)
    html = response.content.decode()
    assert "the password alone is not enough for now" in html
    assert 'name="otp_token"' in html


def test_a_guessed_password_with_a_wrong_code_looks_like_a_wrong_password_and_counts(staff_member):
    """So a botnet guessing passwords learns nothing while the username is throttled."""
    confirmed_device(staff_member)
    fail_from_many_addresses("bjorn_billing")

    right = sign_in(Client(REMOTE_ADDR="203.0.113.1"), "bjorn_billing", PASSWORD, otp_token="000000")
    wrong = sign_in(Client(REMOTE_ADDR="203.0.113.2"), "bjorn_billing", "guess", otp_token="000000")

    assert right.status_code == wrong.status_code == 200
    assert right.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert username_failures("bjorn_billing") == 7


def test_an_account_without_a_second_step_waits_for_the_cool_off(staff_member, time):
    fail_from_many_addresses("bjorn_billing")
    refused = Client(REMOTE_ADDR="203.0.113.77")
    sign_in(refused, "bjorn_billing", PASSWORD)
    assert not is_signed_in(refused)

    time.shift(3601)  # an hour after the last failure
    later = Client(REMOTE_ADDR="203.0.113.77")

    assert sign_in(later, "bjorn_billing", PASSWORD).status_code == 302
    assert is_signed_in(later)


def test_it_locks_an_address_that_tries_many_usernames(client, staff_member):
    for number in range(5):
        sign_in(client, f"guess{number}", "wrong")
    response = sign_in(client, "bjorn_billing", PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_four_failures_do_not_lock_and_a_success_clears_them(client, staff_member):
    for _ in range(4):
        sign_in(client, "bjorn_billing", "wrong")
    assert sign_in(client, "bjorn_billing", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "bjorn_billing", "wrong")
    assert sign_in(client, "bjorn_billing", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lockout(staff_member):
    """Without trusted proxies the header is ignored: every attempt counts against the real address."""
    for number in range(5):
        sign_in(Client(), f"guess{number}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{number + 1}")
    client = Client()
    response = sign_in(client, "bjorn_billing", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_locked(settings, staff_member):
    """With AXES_TRUSTED_PROXY_COUNT=1 the proxy's X-Forwarded-For names the client; other clients still sign in."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    for number in range(5):
        sign_in(Client(), f"guess{number}", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.10, 10.0.0.1")
    locked = sign_in(Client(), "bjorn_billing", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.10, 10.0.0.1")
    assert locked.status_code == 429
    other = Client()
    assert sign_in(other, "bjorn_billing", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 10.0.0.1").status_code == 302
    assert is_signed_in(other)


def test_a_throttled_sign_in_with_the_second_step_records_the_clients_address(settings, rf, staff_member):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    device = confirmed_device(staff_member)
    # Called without the audit middleware around it, so the address is the one the throttle passes on.
    request = rf.post(reverse("login"), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.77, 10.0.0.1")

    sign_in_with_second_step(request, username="bjorn_billing", password=PASSWORD, code=current_code(device))

    verified = LogEntry.objects.get(object_pk=str(staff_member.pk), additional_data__two_factor="verified")
    assert verified.remote_addr == "203.0.113.77"


def test_a_throttled_staff_member_is_told_to_ask_the_office_manager_not_to_reset_a_password(staff_member):
    confirmed_device(staff_member)
    fail_from_many_addresses("bjorn_billing")

    html = sign_in(Client(REMOTE_ADDR="203.0.113.77"), "bjorn_billing", PASSWORD).content.decode()

    assert "reset your password" not in html
    assert "ask the office manager or an administrator, or wait 60 minutes" in html


def test_the_throttled_staff_form_asks_for_the_code_once_on_the_same_form(staff_member):
    confirmed_device(staff_member)
    fail_from_many_addresses("bjorn_billing")

    html = sign_in(Client(REMOTE_ADDR="203.0.113.77"), "bjorn_billing", PASSWORD).content.decode()

    assert "Next you type the code" not in html
    assert '<label class="form-label" for="id_otp_token">Code</label>' in html
    assert "The 6-digit code from your authenticator app, or one of your recovery codes." in html


def test_the_staff_form_before_any_failure_says_the_code_comes_next(client):
    html = client.get(reverse("login")).content.decode()

    assert "Next you type the code" in html
    assert 'name="otp_token"' not in html
