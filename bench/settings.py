"""Settings of the benchmark: the production configuration (DEBUG off) plus one trivial view, the floor.

Only the benchmark points DJANGO_SETTINGS_MODULE here; the production URLs stay as they are.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key-never-used-in-production-" + "0123456789abcdef" * 2)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The benchmark calls the sweeps itself, without a broker: tasks run in-process, as settings require it be said.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

from clinic_billing.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Plain HTTP on loopback: the cookies must travel without TLS.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The manifest storage needs `collectstatic`; the pages are measured without serving static files.
STORAGES = {
    **STORAGES,  # noqa: F405 - the private documents' storage as configured
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Benchmark users sign in through sessions made by the harness; their password hash is never checked.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
