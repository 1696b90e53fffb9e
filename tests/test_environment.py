"""Settings read the environment strictly (clinic_billing/environment.py): a malformed value stops start-up,
naming the variable; an empty one counts as unset; secrets may come from a file."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic_billing.environment import (
    env_bool,
    env_decimal,
    env_int,
    env_list,
    env_secret,
    env_url,
)
from tests.production_django import run_django

HTTP = frozenset({"http", "https"})


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)]
)
def test_a_boolean_is_read_in_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["ture", "2", "enabled"])
def test_a_misspelt_boolean_stops_start_up_with_its_name(monkeypatch, raw):
    monkeypatch.setenv("SECURE_SSL_REDIRECT", raw)
    with pytest.raises(ImproperlyConfigured, match='"SECURE_SSL_REDIRECT" invalid'):
        env_bool("SECURE_SSL_REDIRECT", True)


@pytest.mark.parametrize("raw", ["", "   "])
def test_an_empty_variable_means_the_default(monkeypatch, raw):
    monkeypatch.setenv("EMAIL_PORT", raw)
    assert env_int("EMAIL_PORT", 25) == 25
    assert env_bool("EMAIL_PORT", True) is True


def test_numbers_are_checked(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "25a")
    with pytest.raises(ImproperlyConfigured, match='"EMAIL_PORT" invalid'):
        env_int("EMAIL_PORT", 25)
    monkeypatch.setenv("EMAIL_PORT", "-1")
    with pytest.raises(ImproperlyConfigured, match='"EMAIL_PORT" must be at least 0'):
        env_int("EMAIL_PORT", 25, minimum=0)
    monkeypatch.setenv("LIMIT", "1e3x")
    with pytest.raises(ImproperlyConfigured, match='"LIMIT" invalid'):
        env_decimal("LIMIT", Decimal("1"))
    monkeypatch.setenv("LIMIT", "250.50")
    assert env_decimal("LIMIT", Decimal("1")) == Decimal("250.50")


def test_a_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " clinic.example, ,api.clinic.example ")
    assert env_list("ALLOWED_HOSTS", "") == ["clinic.example", "api.clinic.example"]


def test_a_url_needs_an_allowed_scheme_and_a_host(monkeypatch):
    monkeypatch.setenv("SITE_URL", "clinic.example")
    with pytest.raises(ImproperlyConfigured, match='"SITE_URL" must start with one of http://, https://'):
        env_url("SITE_URL", "", schemes=HTTP)
    monkeypatch.setenv("SITE_URL", "https://")
    with pytest.raises(ImproperlyConfigured, match='"SITE_URL" names no host'):
        env_url("SITE_URL", "", schemes=HTTP)
    monkeypatch.setenv("SITE_URL", "https://clinic.example")
    assert env_url("SITE_URL", "", schemes=HTTP) == "https://clinic.example"


def test_a_secret_comes_from_its_file_without_the_trailing_newline(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret value\n", encoding="utf-8")
    monkeypatch.delenv("SMS_API_KEY", raising=False)
    monkeypatch.setenv("SMS_API_KEY_FILE", str(secret))
    assert env_secret("SMS_API_KEY") == "s3cret value"


def test_a_secret_set_twice_or_in_a_missing_file_stops_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("SMS_API_KEY_FILE", str(tmp_path / "absent"))
    monkeypatch.delenv("SMS_API_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SMS_API_KEY_FILE names a file that cannot be read"):
        env_secret("SMS_API_KEY")
    monkeypatch.setenv("SMS_API_KEY", "inline")
    with pytest.raises(ImproperlyConfigured, match="Set SMS_API_KEY or SMS_API_KEY_FILE, not both"):
        env_secret("SMS_API_KEY")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SECURE_SSL_REDIRECT", "ture", 'Environment variable "SECURE_SSL_REDIRECT" invalid'),
        ("CELERY_TASK_ALWAYS_EAGER", "yes please", 'Environment variable "CELERY_TASK_ALWAYS_EAGER" invalid'),
        ("EMAIL_PORT", "25a", 'Environment variable "EMAIL_PORT" invalid'),
        ("REMINDER_SWEEP_INTERVAL", "15m", 'Environment variable "REMINDER_SWEEP_INTERVAL" invalid'),
        ("SITE_URL", "clinic.example", 'Environment variable "SITE_URL" must start with one of http://, https://'),
        ("DATABASE_URL", "mysql://db/clinic", 'Environment variable "DATABASE_URL" must start with one of'),
    ],
    ids=["boolean", "eager flag", "integer", "integer read by Celery", "URL", "database URL"],
)
def test_production_refuses_a_malformed_value_naming_it(variable, value, message):
    # The Celery app first, as a worker starts: it reads the sweep interval before the settings load.
    result = run_django("import clinic_billing.celery, django; django.setup()", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_reads_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 30 + "ey-from-a-file-0123456789abcdefghij\n", encoding="utf-8")
    result = run_django(
        "from clinic_billing import settings as s; print(s.SECRET_KEY)", SECRET_KEY="", SECRET_KEY_FILE=str(key_file)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == key_file.read_text(encoding="utf-8").strip()


def test_production_refuses_a_secret_set_both_inline_and_in_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 60, encoding="utf-8")
    result = run_django("import clinic_billing.settings", SECRET_KEY_FILE=str(key_file))
    assert result.returncode != 0
    assert "Set SECRET_KEY or SECRET_KEY_FILE, not both" in result.stderr


def test_the_database_password_comes_from_its_file(tmp_path):
    password_file = tmp_path / "database_password"
    password_file.write_text("from the file\n", encoding="utf-8")
    result = run_django(
        "from clinic_billing import settings as s; print(s.DATABASES['default']['PASSWORD'])",
        DATABASE_URL="postgres://clinic@db:5432/clinic",
        DATABASE_PASSWORD_FILE=str(password_file),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "from the file"


def test_a_database_password_in_the_url_and_apart_stops_start_up():
    result = run_django(
        "import clinic_billing.settings",
        DATABASE_URL="postgres://clinic:inline@db:5432/clinic",
        DATABASE_PASSWORD="apart",
    )
    assert result.returncode != 0
    assert "DATABASE_URL carries a password: set it there or in DATABASE_PASSWORD, not both" in result.stderr


def test_production_without_a_broker_stops_unless_told_to_run_tasks_in_process():
    refused = run_django("import clinic_billing.settings", CELERY_BROKER_URL="")
    assert refused.returncode != 0
    assert "Set CELERY_BROKER_URL" in refused.stderr

    told = run_django(
        "from clinic_billing import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER)",
        CELERY_BROKER_URL="",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    assert told.returncode == 0, told.stderr
    assert told.stdout.strip().splitlines()[-1] == "True"


def test_a_broker_url_with_an_unknown_scheme_stops_start_up():
    result = run_django("import clinic_billing.settings", CELERY_BROKER_URL="rabbit://host")
    assert result.returncode != 0
    assert '"CELERY_BROKER_URL" must start with one of' in result.stderr


def test_development_without_a_broker_runs_no_task_in_process_unless_told():
    # A task sent with neither is refused, naming both settings, before any broker is tried.
    send = (
        "import django; django.setup(); from clinic_billing import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER);"
        "from patient_collections.tasks import dispatch_reminders; dispatch_reminders.delay()"
    )
    refused = run_django(send, DEBUG="1", CELERY_BROKER_URL="", CELERY_TASK_ALWAYS_EAGER="")
    assert refused.returncode != 0
    assert refused.stdout.strip().splitlines()[-1] == "False"
    assert "no CELERY_BROKER_URL" in refused.stderr
    assert "CELERY_TASK_ALWAYS_EAGER=1" in refused.stderr


def test_a_broker_alone_does_not_run_tasks_in_process():
    result = run_django(
        "from clinic_billing import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER)",
        DEBUG="1",
        CELERY_BROKER_URL="filesystem://",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
