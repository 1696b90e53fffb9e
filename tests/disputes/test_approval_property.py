"""Four-eyes without deadlock, over random staff (issue 11 item 5): whatever the roles, the deputy settings and who
asks, a request that can be created has an approver other than the requester, and a colleague sees Approve exactly
when the service would accept their approval."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import InvalidTransition, PermissionDenied
from clinic_billing.lifecycle import transition
from clinic_billing.roles import OFFICE_MANAGER, STAFF_ROLES
from disputes import services
from disputes.models import AdjustmentRequest, Policy
from disputes.permissions import adjustment_request_can_approve, approval_settings, approvers_for, approving_roles
from patient_collections.models import CollectionCase
from tests.factories import UserFactory, issued_invoice

pytestmark = pytest.mark.django_db

EXAMPLES = 40
PATIENT_LINES = [("GP1", "Consultation", "1", "1640.00", "patient")]
DEPUTY_ROLES = ["", *(role for role in STAFF_ROLES if role != OFFICE_MANAGER)]


class Rollback(Exception):
    """Raised to roll back a savepoint after the service accepted: the next colleague finds the request pending."""


@st.composite
def situations(draw):
    """Two to five colleagues, each with one or two roles; the deputy settings; who asks; what is asked for."""
    staff = draw(st.lists(st.sets(st.sampled_from(STAFF_ROLES), min_size=1, max_size=2), min_size=2, max_size=5))
    return {
        "staff": [sorted(roles) for roles in staff],
        "deputy_role": draw(st.sampled_from(DEPUTY_ROLES)),
        "deputy_person": draw(st.none() | st.integers(min_value=0, max_value=len(staff) - 1)),
        "requester": draw(st.integers(min_value=0, max_value=len(staff) - 1)),
        "required_role": draw(st.sampled_from(STAFF_ROLES)),
        # The default approval threshold is 1000.00: either side of it.
        "amount": draw(st.sampled_from([Decimal("150.00"), Decimal("1000.00"), Decimal("1500.00")])),
        "on_case": draw(st.booleans()),
    }


def service_accepts(adjustment: AdjustmentRequest, user) -> bool:
    """Whether adjustment_approve goes through for `user`; rolled back either way."""
    try:
        with transaction.atomic():
            services.adjustment_approve(adjustment_id=adjustment.pk, by=user)
            raise Rollback
    except Rollback:
        return True
    except PermissionDenied:
        return False


def test_it_finds_an_approver_for_every_request_and_shows_approve_exactly_to_who_may(patient, client_for):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = services.complaint_file(
        patient_id=patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="desk",
        category="care_quality",
        description="The doctor was rude.",
        by=None,
    )
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)
    seen = {"created": 0, "refused": 0, "deputy decides": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(situation=situations())
    def check(situation):
        with transaction.atomic():
            users = [
                UserFactory(username=f"colleague_{index}", roles=roles)
                for index, roles in enumerate(situation["staff"])
            ]
            named = situation["deputy_person"]
            Policy.objects.filter(is_active=True).update(
                deputy_approver_role=situation["deputy_role"],
                deputy_approver=users[named] if named is not None else None,
            )
            requester = users[situation["requester"]]
            current = approval_settings()
            expected = approvers_for(
                amount=situation["amount"],
                required_role=situation["required_role"],
                requested_by_id=requester.pk,
                settings=current,
            )
            roles = approving_roles(
                amount=situation["amount"], required_role=situation["required_role"], settings=current
            )
            regular = set().union(*(current.holders[role] for role in roles))
            try:
                request = services.adjustment_request_create(
                    complaint=None if situation["on_case"] else complaint,
                    collection_case_id=case.pk if situation["on_case"] else None,
                    invoice_id=invoice.pk,
                    kind="write_off",
                    amount=situation["amount"],
                    reason="Property",
                    required_role=situation["required_role"],
                    by=requester,
                )
            except InvalidTransition:
                assert not expected, "refused although a colleague could approve"
                assert not AdjustmentRequest.objects.exists()
                seen["refused"] += 1
            else:
                if situation["on_case"]:
                    # As the case decision does: the case waits for its credit's approval.
                    waiting = CollectionCase.objects.get(pk=case.pk)
                    transition(waiting, CollectionCase.Status.CREDIT_PENDING, by=requester)
                may = {user.pk for user in users if adjustment_request_can_approve(user, request)}
                assert may, "a request nobody may approve was created"
                assert requester.pk not in may
                assert may == expected
                for user in users:
                    page = client_for(user).get(reverse("disputes:adjustment-queue"))
                    sees_approve = page.status_code == 200 and (
                        reverse("disputes:adjustment-approve", args=[request.pk]) in page.content.decode()
                    )
                    assert sees_approve == (user.pk in may) == service_accepts(request, user), user.username
                seen["created"] += 1
                seen["deputy decides"] += not (regular - {requester.pk})
            transaction.set_rollback(True)

    check()
    print(f"approval property: {EXAMPLES} examples, {seen}")
    # The property means something only if both sides were reached: created requests, refusals, and deputies.
    assert all(count > 0 for count in seen.values()), seen
