"""Persona fixtures shared by every test: one user per role, a patient, another patient, a proxy."""

import os
from collections.abc import Iterator
from datetime import datetime
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from invoices import pdf as invoice_pdf
from mfa.services import requires_two_factor
from patients.models import Patient
from tests.factories import PatientFactory, ProxyFactory, UserFactory


@receiver(connection_created)
def _allow_flushing_the_test_database(sender, connection, **kwargs):
    """PostgreSQL refuses TRUNCATE of the ledger and invoice lines unless the session allows it (invoices
    migration 0004); flushing the database after a transactional test is a TRUNCATE."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET clinic_billing.allow_truncate = on")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_api_rate_limit() -> Iterator[None]:
    """The API's rate limit counts requests per user id in the cache, and ids repeat from test to test (and the
    clock is often pinned): each test starts with the whole limit, as a new client would."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _clinic_language_after_each_test() -> Iterator[None]:
    """A view that speaks the patient's language activates it for the thread (portal pages, quick-pay links);
    the next test in the same process must not inherit it, so each test ends in the clinic's language."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _wall_clock_from_test_clock(request) -> Iterator[None]:
    """TEST_CLOCK (ISO 8601 with an offset) stands in for the wall clock of the tests marked clock_sensitive:
    CI runs them again at night and on a Sunday (.ci/run), so a test that reads the clock it did not pin
    fails there, not one evening in production CI. The clocks the tests pin themselves go on top of it."""
    clock = os.environ.get("TEST_CLOCK")
    if not clock or request.node.get_closest_marker("clock_sensitive") is None:
        yield
        return
    with time_machine.travel(datetime.fromisoformat(clock), tick=True):
        yield


@pytest.fixture
def front_desk(db):
    return UserFactory(username="frida_frontdesk", roles=["front_desk"])


@pytest.fixture
def billing(db):
    return UserFactory(username="bjorn_billing", roles=["billing"])


@pytest.fixture
def manager(db):
    return UserFactory(username="mona_manager", roles=["office_manager"])


@pytest.fixture
def provider(db):
    return UserFactory(username="petter_provider", roles=["provider"])


@pytest.fixture
def patient(db) -> Patient:
    user = UserFactory(username="kari_patient")
    return PatientFactory(name="Kari Nordmann", user=user)


@pytest.fixture
def other_patient(db) -> Patient:
    user = UserFactory(username="ivan_patient")
    return PatientFactory(name="Ivan Petrov", language="ru", user=user)


@pytest.fixture
def proxy(patient):
    return ProxyFactory(patient=patient, user=UserFactory(username="ola_proxy"))


def confirmed_device(user) -> TOTPDevice:
    """The user's authenticator app, set up (one is made the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def verify_otp(client: Client, user) -> None:
    """Mark the client's session as having passed the second step, as the verify page does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client logged in as that user; staff have passed the second step."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        if requires_two_factor(user):
            verify_otp(client, user)
        return client

    return make


FACTORY_PASSWORD = "correct-horse-battery"


def sign_in_in_browser(page, base_url: str, username: str, password: str = FACTORY_PASSWORD) -> None:
    """Sign a staff member in through the pages: password, then the code their authenticator app shows now."""
    from django.contrib.auth.models import User

    device = confirmed_device(User.objects.get(username=username))
    device.last_t = -1  # the same user may sign in twice within one 30-second step in a test
    device.save(update_fields=["last_t"])
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code", exact=True).fill(current_code(device))
    page.get_by_role("button", name="Continue").click()


@pytest.fixture
def fetched_urls() -> Iterator[list[str]]:
    """Every URL WeasyPrint asks the shared refusing fetcher for while a PDF is made (it must be asked for none)."""
    urls: list[str] = []
    refuse = invoice_pdf.RefusingURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        urls.append(url)
        return refuse(self, url, headers)

    with mock.patch.object(invoice_pdf.RefusingURLFetcher, "fetch", recording_fetch):
        yield urls


@pytest.fixture
def connection_kept_open_between_requests() -> Iterator[None]:
    """For tests that call the WSGI application itself (schemathesis): its request signals close the database
    connection (inside the test's transaction, so never "usable"), and with it that transaction on
    PostgreSQL. Django's test client disconnects them the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
