"""Concurrent duplicates of one idempotent POST make one change on PostgreSQL (issue 19, item 1)."""

from django.test import Client
from rest_framework.authtoken.models import Token

from api.models import IdempotencyRecord
from patients.models import Patient
from tests.concurrency import POSTGRESQL_ONLY, run_together

pytestmark = POSTGRESQL_ONLY

NEW_PATIENT = {
    "name": "Ola Hansen",
    "date_of_birth": "1980-04-01",
    "phone": "+4791234567",
    "language": "nb",
    "preferred_channel": "sms",
}


def test_it_creates_one_patient_for_duplicates_sent_at_the_same_moment(billing):
    token = Token.objects.create(user=billing)

    def create():
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client.post(
            "/api/v1/patients/", NEW_PATIENT, content_type="application/json", headers={"Idempotency-Key": "same"}
        )

    responses = run_together([create] * 4)

    assert [r.status_code for r in responses] == [201] * 4, responses
    assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") == "true") == 3
    assert len({r.json()["id"] for r in responses}) == 1
    assert Patient.objects.filter(name="Ola Hansen").count() == 1
    assert IdempotencyRecord.objects.count() == 1
