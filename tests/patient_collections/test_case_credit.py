"""Crediting a collection case goes through the four-eyes queue (issue 11 item 5): choosing credit asks a colleague
to approve it; meanwhile the claim stays on hold; approval posts the credit and its credit note, rejection opens
the case again. Every move of the case and of its request is written to their histories."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clinic_billing.exceptions import InvalidTransition, PermissionDenied
from clinic_billing.lifecycle import transition
from compliance.patient_export import patient_data_export
from disputes import services as dispute_services
from disputes.models import AdjustmentRequest, AdjustmentRequestStatusChange, Policy
from disputes.permissions import adjustment_request_can_approve
from invoices.models import LedgerEntry
from patient_collections import services
from patient_collections.models import CollectionCase, CollectionCaseStatusChange
from tests.factories import UserFactory, issued_invoice

pytestmark = pytest.mark.django_db

Status = CollectionCase.Status


def small_claim_threshold() -> Decimal:
    return Policy.objects.get(is_active=True).small_claim_threshold


def case_owing(patient, amount: Decimal) -> CollectionCase:
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", str(amount), "patient")])
    return CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)


def large_case(patient) -> CollectionCase:
    """A claim above the small-claim threshold: its credit is a write-off, which the office manager approves."""
    return case_owing(patient, small_claim_threshold() + Decimal("200.00"))


def decide_credit(case: CollectionCase, by) -> AdjustmentRequest:
    services.collection_case_decide(case_id=case.pk, decision="credited", note="Disputed twice", by=by)
    return AdjustmentRequest.objects.get(collection_case=case)


def test_it_asks_for_approval_of_what_is_owed_and_moves_no_money_meanwhile(patient, provider, manager):
    case = large_case(patient)

    request = decide_credit(case, provider)

    case.refresh_from_db()
    assert (case.status, case.decided_by, case.ledger_entry) == (Status.CREDIT_PENDING, provider, None)
    assert (request.status, request.kind, request.amount, request.invoice_id, request.complaint) == (
        AdjustmentRequest.Status.PENDING,
        "write_off",
        case.amount,
        case.invoice_id,
        None,
    )
    assert (request.required_role, request.requested_by) == ("office_manager", provider)
    assert not LedgerEntry.objects.filter(invoice=case.invoice, amount__lt=0).exists()
    assert case.invoice.patient_due == case.amount


def test_it_asks_for_a_small_claim_credit_which_the_policys_role_approves(patient, manager, billing):
    case = case_owing(patient, small_claim_threshold())

    request = decide_credit(case, manager)

    # The default policy's small-claim rule names billing as its approver.
    assert (request.kind, request.required_role) == ("small_claim_credit", "billing")
    assert adjustment_request_can_approve(billing, request)
    approved = dispute_services.adjustment_approve(adjustment_id=request.pk, by=billing)
    assert approved.ledger_entry.kind == LedgerEntry.Kind.SMALL_CLAIM_CREDIT


def test_it_keeps_the_claim_on_hold_and_refuses_another_decision_while_the_credit_waits(patient, provider, manager):
    case = large_case(patient)
    decide_credit(case, provider)

    with pytest.raises(InvalidTransition, match="waiting for approval"):
        services.collection_case_decide(case_id=case.pk, decision="agency", by=manager)
    with pytest.raises(InvalidTransition, match="waiting for approval"):
        services.collection_case_decide(case_id=case.pk, decision="credited", by=manager)

    held = services.paused_invoices(today=case.invoice.due_date)
    assert type(case.invoice).objects.filter(pk=case.invoice_id).filter(held).exists()
    assert AdjustmentRequest.objects.filter(collection_case=case).count() == 1


def test_approval_by_a_colleague_posts_the_credit_with_its_note_and_credits_the_case(patient, provider, manager):
    case = large_case(patient)
    request = decide_credit(case, provider)
    assert not adjustment_request_can_approve(provider, request)
    with pytest.raises(PermissionDenied, match="own request"):
        dispute_services.adjustment_approve(adjustment_id=request.pk, by=provider)

    approved = dispute_services.adjustment_approve(adjustment_id=request.pk, by=manager, note="Agreed")

    case.refresh_from_db()
    entry = approved.ledger_entry
    assert (case.status, case.ledger_entry, case.decided_by) == (Status.CREDITED, entry, provider)
    assert (entry.kind, entry.amount, entry.reference) == (LedgerEntry.Kind.WRITE_OFF, -case.amount, f"case-{case.pk}")
    assert (entry.credit_note.requested_by, entry.credit_note.approved_by) == (provider, manager)
    case.invoice.refresh_from_db()
    assert case.invoice.patient_due == Decimal("0.00")


def test_a_rejected_credit_opens_the_case_to_be_decided_again(patient, provider, manager):
    case = large_case(patient)
    request = decide_credit(case, provider)

    dispute_services.adjustment_reject(adjustment_id=request.pk, by=manager, note="Send the tvistevarsel first")

    case.refresh_from_db()
    assert (case.status, case.decided_by, case.decided_at, case.ledger_entry) == (Status.PROPOSED, None, None, None)
    assert services.case_is_open(case)
    services.collection_case_decide(case_id=case.pk, decision="withdrawn", by=manager)
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    assert not LedgerEntry.objects.filter(invoice=case.invoice, amount__lt=0).exists()


def test_the_sole_office_managers_case_credit_reaches_the_deputy(patient, manager, provider, billing):
    case = large_case(patient)

    request = decide_credit(case, manager)

    assert [adjustment_request_can_approve(user, request) for user in (manager, billing, provider)] == [
        False,
        False,
        True,
    ]
    dispute_services.adjustment_approve(adjustment_id=request.pk, by=provider)
    case.refresh_from_db()
    assert case.status == Status.CREDITED


def test_it_refuses_a_case_credit_nobody_else_may_approve_and_changes_nothing(patient, manager):
    case = large_case(patient)  # the sole office manager; the deputy role (provider) has nobody in it

    with pytest.raises(InvalidTransition, match="Nobody else may approve this request"):
        services.collection_case_decide(case_id=case.pk, decision="credited", by=manager)

    case.refresh_from_db()
    assert (case.status, case.decided_by) == (Status.PROPOSED, None)
    assert not AdjustmentRequest.objects.exists()
    assert not CollectionCaseStatusChange.objects.exists()


def test_it_writes_who_when_from_to_and_why_for_the_case_and_its_request(patient, provider, manager):
    case = large_case(patient)
    first = decide_credit(case, provider)
    dispute_services.adjustment_reject(adjustment_id=first.pk, by=manager, note="Not yet")
    second = decide_credit_again(case, provider)
    dispute_services.adjustment_approve(adjustment_id=second.pk, by=manager)

    case_history = [
        (change.from_status, change.to_status, change.changed_by, change.reason)
        for change in CollectionCaseStatusChange.objects.filter(case=case)
    ]
    assert case_history == [
        (Status.PROPOSED, Status.CREDIT_PENDING, provider, "Disputed twice"),
        (Status.CREDIT_PENDING, Status.PROPOSED, manager, "Not yet"),
        (Status.PROPOSED, Status.CREDIT_PENDING, provider, "Again"),
        (Status.CREDIT_PENDING, Status.CREDITED, manager, "credit approved"),
    ]
    request_history = [
        (change.adjustment_id, change.from_status, change.to_status, change.changed_by)
        for change in AdjustmentRequestStatusChange.objects.order_by("id")
    ]
    assert request_history == [(first.pk, "pending", "rejected", manager), (second.pk, "pending", "approved", manager)]


def decide_credit_again(case: CollectionCase, by) -> AdjustmentRequest:
    services.collection_case_decide(case_id=case.pk, decision="credited", note="Again", by=by)
    return AdjustmentRequest.objects.get(collection_case=case, status=AdjustmentRequest.Status.PENDING)


def test_the_lifecycles_refuse_a_move_their_tables_do_not_allow(patient, provider, manager):
    case = large_case(patient)
    request = decide_credit(case, provider)
    dispute_services.adjustment_approve(adjustment_id=request.pk, by=manager)
    request.refresh_from_db()

    with pytest.raises(InvalidTransition, match="A request that is approved cannot become rejected"):
        transition(request, AdjustmentRequest.Status.REJECTED, by=manager)
    case.refresh_from_db()
    with pytest.raises(InvalidTransition, match="A case that is claim credited cannot become proposed"):
        transition(case, Status.PROPOSED, by=manager)


def test_the_patients_data_export_holds_the_case_and_request_histories(patient, provider, manager):
    case = large_case(patient)
    request = decide_credit(case, provider)
    dispute_services.adjustment_approve(adjustment_id=request.pk, by=manager)

    (exported_case,) = patient_data_export(patient_id=patient.pk)["invoices"][0]["collection_cases"]

    assert [change["to_status"] for change in exported_case["status_changes"]] == ["credit_pending", "credited"]
    (credit,) = exported_case["credit_requests"]
    assert (credit["id"], credit["status"]) == (request.pk, "approved")
    assert [change["to_status"] for change in credit["status_changes"]] == ["approved"]


# --- Pages ----------------------------------------------------------------------------------------------


def test_the_queue_shows_a_case_credit_with_a_link_to_its_case(patient, provider, manager, client_for):
    case = large_case(patient)
    request = decide_credit(case, provider)

    page = client_for(manager).get(reverse("disputes:adjustment-queue")).content.decode()

    assert reverse("collections:case-detail", args=[case.pk]) in page
    assert reverse("disputes:adjustment-approve", args=[request.pk]) in page


def test_the_case_page_shows_a_rejected_credit_and_offers_the_decisions_again(patient, provider, manager, client_for):
    case = large_case(patient)
    request = decide_credit(case, provider)
    client = client_for(manager)
    rejected = client.post(
        reverse("disputes:adjustment-reject", args=[request.pk]),
        {"note": "Conciliation first", "back": "subject"},
        follow=True,
    )

    assert rejected.redirect_chain == [(reverse("collections:case-detail", args=[case.pk]), 302)]
    page = rejected.content.decode()
    assert "Rejected: nothing was posted. The collection case waits for a new decision." in page
    assert "Conciliation first" in page
    assert reverse("collections:case-decide", args=[case.pk]) in page


def test_a_second_office_manager_sees_approve_where_the_deputy_does_not(patient, manager, provider, client_for):
    second = UserFactory(username="mari_manager", roles=["office_manager"])
    case = large_case(patient)
    request = decide_credit(case, manager)
    approve_url = reverse("disputes:adjustment-approve", args=[request.pk])
    page = reverse("collections:case-detail", args=[case.pk])

    assert approve_url in client_for(second).get(page).content.decode()
    deputy_page = client_for(provider).get(page).content.decode()
    assert approve_url not in deputy_page
    assert "The deputy approver decides only when nobody else may" in deputy_page
