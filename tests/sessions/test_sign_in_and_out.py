"""A new session key at sign-in; signing out, closing an account or changing its password ends sessions."""

import hashlib

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from session_policy.models import UserSession

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories.py


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def client_with_session(key: str) -> Client:
    """Another browser presenting a copied session cookie."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- A new session key at sign-in -----------------------------------------------------------------------


def test_it_gives_a_staff_member_a_new_session_key_at_the_password_step(client, billing):
    before = client.session.session_key  # an anonymous session someone may have planted
    response = client.post(reverse("login"), {"username": billing.username, "password": PASSWORD})
    assert response.status_code == 302
    after = session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"] == str(billing.pk)


def test_it_gives_a_patient_a_new_session_key_at_portal_sign_in(client, patient):
    before = client.session.session_key
    response = client.post(reverse("portal:portal-login"), {"username": patient.user.username, "password": PASSWORD})
    assert response.status_code == 302
    after = session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(user=patient.user, session_key=after).exists()


def test_it_records_where_a_session_was_opened(client, patient):
    client.post(
        reverse("portal:portal-login"),
        {"username": patient.user.username, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.7",
        headers={"User-Agent": "Firefox on a shared computer"},
    )
    tracked = UserSession.objects.get(user=patient.user)
    assert tracked.last_ip == "192.0.2.7"
    assert tracked.user_agent == "Firefox on a shared computer"


def test_behind_a_trusted_proxy_it_records_the_clients_address_not_the_proxys(settings, client, patient):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    client.post(
        reverse("portal:portal-login"),
        {"username": patient.user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.7, 10.0.0.1",
    )
    assert UserSession.objects.get(user=patient.user).last_ip == "192.0.2.7"


# --- Signing out ----------------------------------------------------------------------------------------


def test_signing_out_of_the_portal_ends_the_session_in_the_store(client_for, patient):
    client = client_for(patient.user)
    old_key = session_key(client)
    client.post(reverse("portal:portal-logout"))

    assert not Session.objects.filter(session_key=old_key).exists()
    assert not UserSession.objects.filter(session_key=old_key).exists()
    copied = client_with_session(old_key)
    response = copied.get(reverse("portal:portal-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:portal-login"))


def test_signing_out_of_the_staff_screens_ends_the_session_in_the_store(client_for, billing):
    client = client_for(billing)
    old_key = session_key(client)
    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=old_key).exists()
    assert not UserSession.objects.filter(session_key=old_key).exists()
    response = client_with_session(old_key).get(reverse("frontdesk:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Closing an account, changing its password ----------------------------------------------------------


def test_closing_an_account_ends_all_its_sessions(client_for, billing, manager):
    laptop, phone = client_for(billing), client_for(billing)
    keys = [session_key(laptop), session_key(phone)]
    colleague = client_for(manager)

    billing.is_active = False
    with set_actor(manager):
        billing.save()

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=billing).exists()
    assert not signed_in(laptop)
    assert not signed_in(phone)
    assert signed_in(colleague)
    entry = LogEntry.objects.get(object_pk=str(billing.pk), additional_data__reason="account_deactivated")
    assert entry.actor == manager
    assert entry.additional_data["sessions_ended"] == 2


def test_closing_an_account_with_update_fields_ends_its_sessions(client_for, patient):
    client = client_for(patient.user)
    key = session_key(client)
    user = User.objects.get(pk=patient.user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not Session.objects.filter(session_key=key).exists()


def test_an_administrator_changing_a_password_ends_all_sessions_of_that_account(client_for, billing, manager):
    laptop, phone = client_for(billing), client_for(billing)
    keys = [session_key(laptop), session_key(phone)]

    user = User.objects.get(pk=billing.pk)
    user.set_password("a-new-and-different-passphrase")
    with set_actor(manager):
        user.save()

    assert not Session.objects.filter(session_key__in=keys).exists()
    entry = LogEntry.objects.get(object_pk=str(billing.pk), additional_data__reason="password_changed")
    assert entry.actor == manager


def test_re_hashing_the_same_password_at_sign_in_is_not_recorded_as_a_password_change(settings, client_for):
    """Django upgrades an old hash when its owner signs in (saving the password field alone)."""
    from tests.factories import UserFactory

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    settings.AXES_ENABLED = False
    person = UserFactory(username="old_hash@example.org")
    person.password = "md5$salt$" + hashlib.md5(b"saltan-old-passphrase").hexdigest()  # noqa: S324 - an old hash
    person.save()
    client_for(person)  # signed in elsewhere: a password change would end that session and say so

    assert User.objects.get(pk=person.pk).check_password("an-old-passphrase")

    assert User.objects.get(pk=person.pk).password.startswith("pbkdf2_sha256$")
    assert not LogEntry.objects.filter(object_pk=str(person.pk), additional_data__reason="password_changed").exists()


def test_saving_an_account_without_closing_it_keeps_its_sessions(client_for, billing):
    client = client_for(billing)
    billing.first_name = "Bjørn"
    billing.save()
    assert signed_in(client)
    assert client.get(reverse("frontdesk:home")).status_code == 200
