"""Four-eyes without deadlock: the policy's deputy decides what nobody else may; only deciders see Approve."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clinic_billing.exceptions import InvalidTransition, PermissionDenied
from disputes import services
from disputes.models import AdjustmentRequest, Complaint, Policy
from disputes.permissions import adjustment_request_can_approve
from invoices.models import LedgerEntry
from tests.factories import UserFactory, write_off_pending

pytestmark = pytest.mark.django_db


def publish_deputy(manager, *, role: str = "", person=None) -> Policy:
    draft = services.policy_draft_from(services.policy_active())
    changed = replace(draft, deputy_approver_role=role, deputy_approver_id=person.pk if person else None)
    return services.policy_publish(draft=replace(changed, note="Deputy"), by=manager)


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def test_it_lets_the_deputy_approve_the_sole_office_managers_own_request(patient, manager, provider):
    request = write_off_pending(patient, requested_by=manager)

    assert not adjustment_request_can_approve(manager, request)
    with pytest.raises(PermissionDenied):
        services.adjustment_approve(adjustment_id=request.pk, by=manager)
    assert adjustment_request_can_approve(provider, request)
    approved = services.adjustment_approve(adjustment_id=request.pk, by=provider)

    assert (approved.status, approved.decided_by) == (AdjustmentRequest.Status.APPROVED, provider)
    assert approved.ledger_entry.kind == LedgerEntry.Kind.WRITE_OFF
    assert approved.ledger_entry.amount == Decimal("-700.00")


def test_it_keeps_the_deputy_out_while_another_office_manager_may_approve(patient, manager, provider):
    second_manager = UserFactory(username="mari_manager", roles=["office_manager"])
    request = write_off_pending(patient, requested_by=manager)

    assert adjustment_request_can_approve(second_manager, request)
    assert not adjustment_request_can_approve(provider, request)
    with pytest.raises(PermissionDenied):
        services.adjustment_approve(adjustment_id=request.pk, by=provider)


def test_it_lets_a_named_deputy_approve_and_nobody_else(patient, manager, provider, billing):
    owner = UserFactory(username="olav_owner", roles=["provider"])
    publish_deputy(manager, person=owner)
    request = write_off_pending(patient, requested_by=manager)

    assert [adjustment_request_can_approve(user, request) for user in (manager, provider, billing, owner)] == [
        False,
        False,
        False,
        True,
    ]
    approved = services.adjustment_approve(adjustment_id=request.pk, by=owner)

    entry = approved.ledger_entry
    assert (approved.status, approved.decided_by) == (AdjustmentRequest.Status.APPROVED, owner)
    assert (entry.kind, entry.amount, entry.invoice_id) == (
        LedgerEntry.Kind.WRITE_OFF,
        Decimal("-700.00"),
        request.invoice_id,
    )
    assert (entry.credit_note.amount, entry.credit_note.requested_by, entry.credit_note.approved_by) == (
        Decimal("700.00"),
        manager,
        owner,
    )


def test_it_never_lets_the_deputy_approve_their_own_request(patient, manager, provider):
    request = write_off_pending(patient, requested_by=provider)
    assert not adjustment_request_can_approve(provider, request)
    assert adjustment_request_can_approve(manager, request)


def test_it_refuses_to_publish_a_policy_without_a_deputy(manager):
    draft = replace(services.policy_draft_from(services.policy_active()), deputy_approver_role="")
    assert any("deputy approver" in problem for problem in services.policy_validate(draft))


def test_it_refuses_the_office_manager_role_or_an_inactive_person_as_deputy(manager):
    draft = services.policy_draft_from(services.policy_active())
    gone = UserFactory(username="gone_provider", roles=["provider"], is_active=False)
    as_manager = services.policy_validate(replace(draft, deputy_approver_role="office_manager"))
    inactive = services.policy_validate(replace(draft, deputy_approver_id=gone.pk))
    assert any("another role or a person" in problem for problem in as_manager)
    assert inactive[0] == "The deputy approver must be an active member of staff."


def test_it_refuses_a_request_nobody_could_approve_under_a_policy_without_deputy(patient, manager):
    Policy.objects.filter(is_active=True).update(deputy_approver_role="")
    with pytest.raises(InvalidTransition):
        write_off_pending(patient, requested_by=manager)
    assert not AdjustmentRequest.objects.exists()


def test_it_shows_approve_only_to_who_may_decide_on_the_queue(patient, manager, provider, billing, client_for):
    request = write_off_pending(patient, requested_by=manager)
    approve_url = reverse("disputes:adjustment-approve", args=[request.pk])

    own = client_for(manager).get(reverse("disputes:adjustment-queue")).content.decode()
    by_billing = client_for(billing).get(reverse("disputes:adjustment-queue")).content.decode()
    deputy = client_for(provider).get(reverse("disputes:adjustment-queue"))

    assert approve_url not in own and "Your own request:" in own
    assert approve_url not in by_billing and "Only the deputy approver named in the policy may decide" in by_billing
    assert deputy.status_code == 200 and approve_url in deputy.content.decode()
    approved = client_for(provider).post(approve_url, {"note": "Deputy for Mona"}, follow=True)
    assert next(str(m) for m in approved.context["messages"]).startswith("Approved:")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (AdjustmentRequest.Status.APPROVED, provider)


def test_it_keeps_a_provider_out_of_the_queue_when_nothing_is_theirs(patient, manager, provider, billing, client_for):
    write_off_pending(patient, requested_by=billing)
    assert client_for(provider).get(reverse("disputes:adjustment-queue")).status_code == 403


def test_it_says_in_the_api_who_may_approve_and_lets_the_deputy_approve(patient, manager, provider, client_for):
    request = write_off_pending(patient, requested_by=manager)
    listed = {
        user.username: client_for(user).get("/api/v1/adjustments/?status=pending").json()["results"][0]["can_approve"]
        for user in (manager, provider)
    }
    # The provider holds no approval permission: as the deputy they list the request theirs to decide.
    assert listed == {"mona_manager": False, "petter_provider": True}

    refused = post(client_for(manager), f"/api/v1/adjustments/{request.pk}/approve/")
    approved = post(client_for(provider), f"/api/v1/adjustments/{request.pk}/approve/", {"note": "Deputy"})

    assert refused.status_code == 403
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "petter_provider")


def test_it_refuses_the_deputy_in_the_api_while_the_manager_may_decide(patient, manager, provider, billing, client_for):
    request = write_off_pending(patient, requested_by=billing)
    response = post(client_for(provider), f"/api/v1/adjustments/{request.pk}/approve/")
    assert response.status_code == 403
    assert Complaint.objects.get().adjustments.get().status == AdjustmentRequest.Status.PENDING


def test_it_says_in_the_api_that_a_provider_approves_where_the_rule_names_the_provider(
    patient, manager, provider, billing, client_for
):
    draft = services.policy_draft_from(services.policy_active())
    rules = tuple(replace(rule, approval_role="provider") if rule.position == 1 else rule for rule in draft.rules)
    services.policy_publish(draft=replace(draft, rules=rules, note="Providers approve care write-offs"), by=manager)
    request = write_off_pending(patient, requested_by=billing)
    assert request.required_role == "provider"

    listed = {
        user.username: client_for(user).get("/api/v1/adjustments/?status=pending").json()["results"][0]["can_approve"]
        for user in (manager, provider)
    }

    assert listed == {"mona_manager": True, "petter_provider": True}
    approved = post(client_for(provider), f"/api/v1/adjustments/{request.pk}/approve/")
    assert (approved.status_code, approved.json()["decided_by"]) == (200, "petter_provider")


def test_it_lists_nothing_but_their_own_requests_to_a_deputy_and_closes_the_list_when_none_is_left(
    patient, manager, provider, billing, client_for
):
    theirs = write_off_pending(patient, requested_by=manager)
    write_off_pending(patient, requested_by=billing)  # the office manager's to decide

    listed = client_for(provider).get("/api/v1/adjustments/").json()["results"]
    assert [row["id"] for row in listed] == [theirs.pk]

    services.adjustment_approve(adjustment_id=theirs.pk, by=provider)
    assert client_for(provider).get("/api/v1/adjustments/").status_code == 403


def test_it_shows_approve_on_the_complaint_page_only_to_who_may_decide(patient, manager, provider, billing, client_for):
    request = write_off_pending(patient, requested_by=manager)
    page = reverse("disputes:complaint-detail", args=[request.complaint_id])
    approve_url = reverse("disputes:adjustment-approve", args=[request.pk])

    shown = {
        user.username: approve_url in client_for(user).get(page).content.decode()
        for user in (manager, billing, provider)
    }

    assert shown == {"mona_manager": False, "bjorn_billing": False, "petter_provider": True}
    approved = client_for(provider).post(approve_url, {"back": "subject"}, follow=True)
    assert approved.redirect_chain == [(page, 302)]
    assert next(str(m) for m in approved.context["messages"]).startswith("Approved:")


def test_it_says_on_the_complaint_in_the_api_who_may_decide_its_adjustment(patient, manager, provider, client_for):
    request = write_off_pending(patient, requested_by=manager)
    url = f"/api/v1/complaints/{request.complaint_id}/"

    shown = {
        user.username: [a["can_approve"] for a in client_for(user).get(url).json()["adjustments"]]
        for user in (manager, provider)
    }

    assert shown == {"mona_manager": [False], "petter_provider": [True]}
