"""Staff sign-in throttling (django-axes): per username, per network address, and no escape by a forged header."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def staff_member(db):
    user = UserFactory(username="bjorn_billing", roles=["billing"])
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client: Client, username: str, password: str, **headers: str):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_right_password_signs_in_before_any_failure(client, staff_member):
    response = sign_in(client, "bjorn_billing", PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_it_locks_a_username_after_five_failures_even_from_many_addresses(staff_member):
    for number in range(5):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{number + 1}"), "bjorn_billing", "wrong")
    client = Client(REMOTE_ADDR="203.0.113.77")
    response = sign_in(client, "bjorn_billing", PASSWORD)
    assert response.status_code == 429
    assert "Signing in is blocked for now" in response.content.decode()
    assert not is_signed_in(client)


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
