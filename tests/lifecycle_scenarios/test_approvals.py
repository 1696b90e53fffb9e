"""Issue 11, scenario 7: four-eyes without deadlock. A sole office manager's own adjustment request reaches the
policy's deputy (by default the provider role); billing is never shown an Approve it cannot use, on the
approval queue or in the API."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from disputes.models import AdjustmentRequest, Policy
from tests.lifecycle_scenarios.office import CONSULTATION, bill, complain

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

DRESSING = {"code": "MAT", "description": "Dressing materials", "quantity": "1", "unit_price": "200.00"}


@pytest.fixture
def requests_of_the_manager(clock, reachable_patient, front_desk, manager, provider, billing, api_as):
    """Mona, the clinic's only office manager, sent two proposals for approval herself: a write-off of a care
    complaint (only an office manager may approve it) and a small-claim credit (billing may approve it). The
    provider (the policy's deputy) and billing work here already: a request nobody else may approve is refused."""
    assert Policy.objects.get(is_active=True).deputy_approver_role == "provider"
    proposals = {}
    for category, line in (("care_quality", CONSULTATION), ("billing_error", DRESSING)):
        invoice = bill(api_as(manager), reachable_patient, line)
        complaint = complain(api_as(front_desk), reachable_patient, invoice["id"], category=category)
        accepted = api_as(manager).post(f"/api/v1/complaints/{complaint['id']}/accept-proposal/")
        assert accepted.status_code == 201, accepted.content
        proposals[accepted.json()["kind"]] = accepted.json()
    clock.shift(timedelta(hours=1))
    return proposals


def can_approve(api, adjustment_id: int) -> bool:
    queue = api.get("/api/v1/adjustments/?status=pending").json()["results"]
    return next(item["can_approve"] for item in queue if item["id"] == adjustment_id)


def test_the_sole_office_managers_own_request_waits_for_the_deputy_on_the_queue_page(
    requests_of_the_manager, manager, provider, client_for
):
    approve = reverse("disputes:adjustment-approve", args=[requests_of_the_manager["write_off"]["id"]])

    own = client_for(manager).get(reverse("disputes:adjustment-queue")).content.decode()
    deputy = client_for(provider).get(reverse("disputes:adjustment-queue"))

    assert approve not in own and "Your own request:" in own
    assert deputy.status_code == 200 and approve in deputy.content.decode()


def test_the_sole_office_managers_own_request_reaches_the_deputy_in_the_api_queue(
    requests_of_the_manager, provider, api_as
):
    assert can_approve(api_as(provider), requests_of_the_manager["write_off"]["id"]) is True


def test_only_the_deputy_approves_the_sole_office_managers_own_request_over_the_api(
    requests_of_the_manager, manager, provider, billing, api_as
):
    write_off = requests_of_the_manager["write_off"]

    assert [can_approve(api_as(user), write_off["id"]) for user in (manager, billing)] == [False, False]
    assert api_as(manager).post(f"/api/v1/adjustments/{write_off['id']}/approve/").status_code == 403
    assert api_as(billing).post(f"/api/v1/adjustments/{write_off['id']}/approve/").status_code == 403
    approved = api_as(provider).post(
        f"/api/v1/adjustments/{write_off['id']}/approve/", {"note": "Deputy for Mona"}, format="json"
    )

    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", provider.username)
    assert api_as(provider).get(f"/api/v1/invoices/{write_off['invoice']}/").json()["balance"] == "0.00"


def test_billing_sees_approve_only_where_billing_may_decide(
    requests_of_the_manager, billing, provider, api_as, client_for
):
    write_off, credit = requests_of_the_manager["write_off"], requests_of_the_manager["small_claim_credit"]

    assert (can_approve(api_as(billing), write_off["id"]), can_approve(api_as(billing), credit["id"])) == (False, True)
    page = client_for(billing).get(reverse("disputes:adjustment-queue")).content.decode()
    assert reverse("disputes:adjustment-approve", args=[write_off["id"]]) not in page
    assert reverse("disputes:adjustment-reject", args=[write_off["id"]]) not in page
    assert reverse("disputes:adjustment-approve", args=[credit["id"]]) in page
    deputy_page = client_for(provider).get(reverse("disputes:adjustment-queue")).content.decode()
    assert reverse("disputes:adjustment-approve", args=[credit["id"]]) not in deputy_page  # billing's to decide

    refused = client_for(billing).post(reverse("disputes:adjustment-approve", args=[write_off["id"]]), {"note": "x"})
    assert (refused.status_code, refused["Location"]) == (302, reverse("disputes:adjustment-queue"))
    assert [message.level_tag for message in get_messages(refused.wsgi_request)] == ["error"]
    assert AdjustmentRequest.objects.get(pk=write_off["id"]).status == AdjustmentRequest.Status.PENDING
