"""Production settings refuse to start unsafe and pass Django's deployment checks at the WARNING level."""

import secrets

import pytest

from tests.production_django import run_django


def test_the_deployment_checks_pass_at_warning_level():
    result = run_django(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    assert result.returncode == 0, result.stderr


def test_production_runs_without_debug():
    result = run_django("from clinic_billing import settings as s; print(s.DEBUG)")
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_it_refuses_to_start_without_a_secret_key():
    result = run_django("import clinic_billing.settings", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "weak_key",
    ["short-key", "a" * 64, "django-insecure-" + secrets.token_urlsafe(48)],
    ids=["too short", "too few distinct characters", "django's insecure prefix"],
)
def test_it_refuses_to_start_with_a_weak_secret_key(weak_key):
    result = run_django("import clinic_billing.settings", SECRET_KEY=weak_key)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_passwords_are_hashed_with_argon2_in_production():
    result = run_django("from clinic_billing import settings as s; print(s.PASSWORD_HASHERS[0])")
    assert result.stdout.strip().splitlines()[-1] == "django.contrib.auth.hashers.Argon2PasswordHasher"
