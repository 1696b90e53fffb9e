"""The settings of the test run: the project's own, with Celery told to run tasks in-process.

A missing broker never implies eager mode (clinic_billing/settings.py), so the tests say so, in the environment
and before the project's settings read it: the `manage.py` and interpreter subprocesses some tests start inherit
it. The real-worker tests (tests/celery) give their worker a broker and an environment of their own.
"""

import os
import tempfile
from pathlib import Path

os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"

from clinic_billing.settings import *  # noqa: F403

# `seed_demo` writes its sample bank files here, never into the checkout's var/ (one folder per test process).
DEMO_BANK_FILES_DIR = Path(tempfile.gettempdir()) / f"clinic-billing-demo-bank-files-{os.getpid()}"

# Uploaded documents (a signed power of attorney) go to a folder of this run, not to var/private.
STORAGES = {
    **STORAGES,  # noqa: F405
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="clinic-billing-private-"), "base_url": None},
    },
}
