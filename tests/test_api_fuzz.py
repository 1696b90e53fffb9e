"""Property-based fuzzing of the staff API from its own OpenAPI schema (schemathesis).

Every operation of `/api/schema/` is called through the WSGI application with a token of a staff member who
holds every role, so no operation is out of reach. Schemathesis generates valid and invalid requests
(coverage boundaries and random fuzzing, positive and negative) and checks each response: no 5xx, a status
code, content type, headers and body the schema declares, invalid input refused, the token enforced. Path,
filter and body ids sometimes point at real records of a small fixture world, so the operations get past
their 404 and run their services too.

`FUZZ_MAX_EXAMPLES` sets the fuzzing examples per operation (default 10; the coverage phase adds its own
cases); the run is derandomised, so CI sees the same cases every time. `make fuzz` runs the schemathesis CLI
against a live server instead and prints its summary (see docs/api-fuzzing.md).
"""

import os
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from clinic_billing.wsgi import application
from disputes import services as dispute_services
from invoices import services as invoice_services
from patient_collections import services as collection_services
from patient_collections.models import CollectionCase, FollowUpCall, Reminder
from tests.factories import PatientFactory, UserFactory, draft_invoice, issued_invoice

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
ROLES = ["front_desk", "billing", "office_manager", "provider"]
# A fixed key, so the auth provider below needs no fixture.
TOKEN = "fuzz0000000000000000000000000000000000ab"


@dataclass
class World:
    """Ids of real records, by the name of the path or filter parameter that takes them."""

    token: str
    ids: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture
def world(db, connection_kept_open_between_requests) -> World:
    staff = UserFactory(username="fuzz_staff", roles=ROLES)
    colleague = UserFactory(username="fuzz_colleague", roles=ROLES)
    patient = PatientFactory(
        name="Astrid Berg", preferred_channel="email", address_line="Storgata 5", postal_code="0155", city="Oslo"
    )
    other = PatientFactory(name="Ivan Petrov", language="ru")
    draft = draft_invoice(patient)
    disputed = issued_invoice(patient)
    planned = issued_invoice(patient)
    deferred = issued_invoice(other)
    escalated = issued_invoice(other)
    invoice_services.payment_record(
        invoice_id=planned.pk, amount=Decimal("50.00"), payer="patient", method="card", by=staff
    )
    complaint = dispute_services.complaint_file(
        patient_id=patient.pk,
        invoice_id=disputed.pk,
        line_ids=[],
        channel="desk",
        category="billing_error",
        description="The dressing was charged twice.",
        by=colleague,
    )
    # A small billing error: the policy proposes a small-claim credit, which waits for approval.
    adjustment = dispute_services.complaint_accept_proposal(complaint_id=complaint.pk, by=colleague)
    collection_services.payment_plan_create(invoice_id=planned.pk, instalments=3, by=staff)
    tomorrow = timezone.localdate() + timedelta(days=30)
    collection_services.deferral_create(invoice_id=deferred.pk, until=tomorrow, by=staff)
    Reminder.objects.create(invoice=escalated, step=1, notice_type="reminder", fee=Decimal("35.00"))
    case = CollectionCase.objects.create(invoice=escalated, amount=escalated.patient_due)
    call = FollowUpCall.objects.create(
        patient=other, invoice=escalated, reason=FollowUpCall.Reason.values[0], role="billing", due_at=timezone.now()
    )
    invoices = [draft.pk, disputed.pk, planned.pk, deferred.pk, escalated.pk]
    return World(
        token=Token.objects.create(user=staff, key=TOKEN).key,
        ids={
            "patient_id": [patient.pk, other.pk],
            "patient": [patient.pk, other.pk],
            "invoice_id": invoices,
            "invoice": invoices,
            "complaint_id": [complaint.pk],
            "adjustment_id": [adjustment.pk],
            "case_id": [case.pk],
            "call_id": [call.pk],
        },
    )


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _with_real_ids(values: dict[str, Any] | None, ids: dict[str, list[int]]) -> st.SearchStrategy:
    """The generated values, or the same with each known id parameter replaced by a real record's id."""
    if not values:
        return st.just(values)
    # Only a valid id is swapped for a real one: an id a negative case broke on purpose (0, a string) stays
    # broken, or the swap would turn the invalid request into a valid one the API rightly accepts.
    known = [name for name in values if name in ids and _valid_id(values[name])]
    if not known:
        return st.just(values)
    real = st.fixed_dictionaries({name: st.sampled_from(ids[name]) for name in known})
    return st.one_of(st.just(values), real.map(lambda chosen: {**values, **chosen}))


# Loaded at collection time: drf-spectacular builds the schema from the URL conf without the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.generation.update(
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    modes=["positive", "negative"],
    # Credentials come from the header above, not from values generated for the security schemes.
    with_security_parameters=False,
)


@schema.auth()
class StaffToken:
    """The staff token, given as explicit credentials: schemathesis then also checks the API refuses the
    same request without them and with a wrong token."""

    def get(self, case: Any, context: Any) -> str:
        return TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


# The world of the test being run; the hooks below draw real ids from it while generating.
current = World(token="")


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy:
    return _with_real_ids(path_parameters, current.ids)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> st.SearchStrategy:
    return _with_real_ids(query, current.ids)


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy:
    return _with_real_ids(body, current.ids) if isinstance(body, dict) else st.just(body)


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_it_answers_every_request_as_its_schema_says(case: Any, world: World) -> None:
    current.token, current.ids = world.token, world.ids
    # Every built-in check runs but positive_data_acceptance: a schema-valid request may still break a
    # business rule OpenAPI cannot state (an id that must exist, a date after today, instalments or a
    # monthly amount), and the API refuses those with a 400 naming the field, as the contract says.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
