"""Every setting settings.py reads from the environment is documented in .env.example and reaches the app
services of docker-compose.yml (which pass only the variables they list)."""

import re
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Read by the test suite, not by a deployment; SQLite's busy timeout does not apply to compose's PostgreSQL;
# DEMO_MODE is set by `make run` and ignored with DEBUG off.
NOT_FOR_DEPLOYMENT = {"TEST_WORKER_CLOCK", "SQLITE_BUSY_TIMEOUT", "CELERY_BROKER_FOLDER", "DEMO_MODE"}


def _settings_variables() -> set[str]:
    """Each variable settings.py reads through clinic_billing/environment.py (`env_bool("DEBUG", …)`)."""
    source = (PROJECT_ROOT / "clinic_billing" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'\benv_[a-z]+\(\s*"([A-Z0-9_]+)"', source)) - NOT_FOR_DEPLOYMENT


def test_it_finds_the_variables_settings_read():
    # The lists below are parametrised by this set: were it empty, they would pass by running nothing.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_PORT"} <= _settings_variables()


@pytest.mark.parametrize("variable", sorted(_settings_variables()))
def test_it_documents_each_setting_in_env_example(variable):
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(rf"^{variable}=", example, re.MULTILINE), f"{variable} is missing from .env.example"


@pytest.mark.parametrize("variable", sorted(_settings_variables()))
def test_it_passes_each_setting_to_the_app_services_of_docker_compose(variable):
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(rf"^    {variable}: \$\{{{variable}:-", compose, re.MULTILINE), variable
