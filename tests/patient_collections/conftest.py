import pytest

from patients.models import Patient
from tests.factories import patient_with_address


@pytest.fixture
def letter_patient(db) -> Patient:
    """Astrid, reached by email, with a postal address for the final notice (always a letter)."""
    return patient_with_address(preferred_channel="email")
