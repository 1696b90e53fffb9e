"""Persona fixtures shared by every test: one user per role, a patient, another patient, a proxy."""

import pytest
from django.test import Client

from patients.models import Patient
from tests.factories import PatientFactory, ProxyFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
