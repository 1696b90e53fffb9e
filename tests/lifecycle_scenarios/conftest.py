"""Fixtures of the issue-11 scenario tests ("one account lifecycle"): the pinned clock, an integration's API client
with a token, and a patient every channel reaches."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from patients.models import Patient
from tests.factories import at
from tests.lifecycle_scenarios.office import START, Office


@pytest.fixture
def clock() -> Iterator[Any]:
    """The clinic's clock, pinned at 10:00 on START; tests move it with `clock.move_to(at(day, hour))`."""
    with time_machine.travel(at(START), tick=False) as traveller:
        yield traveller


@pytest.fixture
def api_as(db) -> Callable[[Any], APIClient]:
    """`api_as(user)`: an integration's API client signed with the user's token (no session, no second step)."""

    def make(user: Any) -> APIClient:
        token, _created = Token.objects.get_or_create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def reachable_patient(patient) -> Patient:
    """Kari, reached by e-mail in English, with a postal address for the letters the law wants on paper."""
    Patient.objects.filter(pk=patient.pk).update(
        language="en",
        preferred_channel="email",
        address_line="Storgata 5",
        postal_code="0155",
        city="Oslo",
        municipality="Oslo",
    )
    patient.refresh_from_db()
    return patient


@pytest.fixture
def office(clock, client_for, billing) -> Office:
    """The office's days on the pinned clock, billing printing the letters."""
    return Office(clock=clock, sign_in=lambda: client_for(billing))
