"""Django started as production starts it: a fresh interpreter with the production environment. Shared by the
tests of the production settings and of the strict environment parsing."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

STRONG_KEY = secrets.token_urlsafe(64)
# What the test run itself sets and a deployment never has (the browser tests allow sync ORM calls in async code;
# tests/settings.py runs tasks in-process).
TEST_ONLY_ENVIRONMENT = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER"}


def run_django(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter with the production environment plus `environment`."""
    env = {
        **{name: value for name, value in os.environ.items() if name not in TEST_ONLY_ENVIRONMENT},
        "DEBUG": "0",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "clinic.example",
        "CSRF_TRUSTED_ORIGINS": "https://clinic.example",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_SETTINGS_MODULE": "clinic_billing.settings",
        **environment,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
