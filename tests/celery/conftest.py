"""The client the real-worker tests send their tasks through."""

from collections.abc import Iterator

import pytest
from celery import Celery

from tests.celery.worker_harness import REDIS_URL


@pytest.fixture(scope="module")
def client_app() -> Iterator[Celery]:
    """A Celery app of the test process's own, on the workers' Redis: it only sends tasks and reads results."""
    app = Celery("clinic-billing-test-client", broker=REDIS_URL, backend=REDIS_URL)
    yield app
    app.close()
