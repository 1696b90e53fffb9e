"""The OpenAPI schema and the interactive docs answer only signed-in staff in production (API_SCHEMA_PUBLIC off)."""

import os
import subprocess
import sys

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

URLS = ["/api/schema/", "/api/docs/"]


@pytest.fixture
def production(settings):
    settings.API_SCHEMA_PUBLIC = False


@pytest.mark.parametrize("url", URLS)
def test_it_refuses_the_schema_and_docs_to_anonymous_visitors_in_production(production, url):
    response = Client().get(url)
    assert response.status_code in (401, 403)
    assert b"paths" not in response.content
    assert b"swagger" not in response.content.lower()


@pytest.mark.parametrize("url", URLS)
def test_it_refuses_the_schema_and_docs_to_a_patient(production, patient, client_for, url):
    assert client_for(patient.user).get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_it_serves_the_schema_and_docs_to_signed_in_staff(production, billing, client_for, url):
    assert client_for(billing).get(url).status_code == 200


def test_it_serves_the_schema_to_an_integration_token(production, billing):
    token = Token.objects.create(user=billing)
    response = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    assert "/api/v1/invoices/" in response.json()["paths"]


def test_production_settings_close_the_schema():
    """settings.py read with DEBUG=0 and no API_SCHEMA_PUBLIC: closed."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 30 + "abcdefghijklmnopqrstuvwxyz",
        "API_SCHEMA_PUBLIC": "",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    code = "from clinic_billing import settings; print(settings.API_SCHEMA_PUBLIC)"
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
