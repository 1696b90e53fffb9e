"""Complaint → decision → approval → ledger → follow-up call, through the services."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound, PermissionDenied
from disputes import services
from disputes.models import AdjustmentRequest, Complaint
from invoices import services as invoice_services
from patient_collections import services as collection_services
from patient_collections.models import FollowUpCall
from tests.factories import ProxyFactory, complaint_about, issued_invoice

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
PATIENT_LINES = [("GP1", "Consultation", "1", "640.00", "patient"), ("MAT", "Dressing", "1", "60.00", "patient")]


@time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=OSLO), tick=False)  # a Monday morning
def test_it_routes_and_decides_on_filing(patient, front_desk):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = complaint_about(invoice, by=front_desk)
    decision = complaint.decision
    assert complaint.route_to == "provider"
    assert complaint.meeting_due_at == datetime(2026, 12, 7, 14, 0, tzinfo=OSLO)
    assert (decision.proposal_kind, decision.proposal_amount) == ("write_off", Decimal("700.00"))
    assert decision.policy_version == 1 and decision.rule_name
    assert decision.facts["disputed_amount"] == "700.00"


def test_it_disputes_only_the_chosen_lines(patient):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    material = invoice.lines.get(code="MAT")
    complaint = complaint_about(invoice, category="billing_error", lines=[material.pk])
    assert complaint.disputed_amount == Decimal("60.00")
    assert complaint.decision.proposal_kind == "small_claim_credit"


def test_it_refuses_a_complaint_about_another_patients_invoice(patient, other_patient):
    invoice = issued_invoice(other_patient)
    with pytest.raises(NotFound):
        complaint_about(invoice, patient=patient)
    assert not Complaint.objects.exists()


def test_it_refuses_lines_of_another_invoice(patient):
    invoice = issued_invoice(patient)
    other = issued_invoice(patient)
    with pytest.raises(ApplicationError):
        complaint_about(invoice, lines=[other.lines.first().pk])


def test_it_tells_an_unauthorised_caller_how_to_get_authorisation(patient):
    invoice = issued_invoice(patient)
    expired = ProxyFactory(
        patient=patient,
        valid_to=timezone.localdate() - timedelta(days=1),
        valid_from=timezone.localdate() - timedelta(days=30),
    )
    with pytest.raises(PermissionDenied) as error:
        complaint_about(invoice, proxy_id=expired.pk)
    assert "authoris" in error.value.message
    assert not Complaint.objects.exists()


def test_an_authorised_proxy_may_file(patient, proxy):
    invoice = issued_invoice(patient)
    assert complaint_about(invoice, proxy_id=proxy.pk).proxy == proxy


def test_it_holds_a_reduction_while_insurance_is_pending(patient):
    invoice = issued_invoice(patient)  # insurer line, pending
    complaint = complaint_about(invoice, category="service_incident")
    assert complaint.decision.proposal_kind == "hold_for_insurance"


def test_approval_posts_the_write_off_and_the_follow_up_call_follows(patient, front_desk, manager):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = complaint_about(invoice, by=front_desk)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    assert request.required_role == "office_manager"
    services.adjustment_approve(adjustment_id=request.pk, by=manager, note="agreed at meeting")
    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("0.00")
    assert invoice.entries.filter(kind="write_off", amount=Decimal("-700.00")).exists()
    services.complaint_close(
        complaint_id=complaint.pk, outcome="adjusted", prevention_note="Doctor briefed on waiting times", by=manager
    )
    call = FollowUpCall.objects.get(complaint=complaint)
    assert call.due_at.date() == (timezone.now() + timedelta(days=3)).date()
    assert invoice_services.ledger_verify(invoice_ids=[invoice.pk]) == []


def test_nobody_approves_their_own_request(patient, manager, provider):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = complaint_about(invoice, by=manager)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=manager)
    with pytest.raises(PermissionDenied):
        services.adjustment_approve(adjustment_id=request.pk, by=manager)
    assert not invoice.entries.filter(kind="write_off").exists()


def test_a_role_without_the_right_cannot_approve(patient, front_desk, billing, manager):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = complaint_about(invoice, by=front_desk)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    with pytest.raises(PermissionDenied):
        services.adjustment_approve(adjustment_id=request.pk, by=billing)  # write-off needs the manager


def test_billing_may_approve_a_small_credit_but_not_above_the_threshold(patient, front_desk, billing, manager):
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "2400.00", "patient")])
    complaint = complaint_about(invoice, category="billing_error", by=front_desk)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    assert request.required_role == "office_manager"
    with pytest.raises(PermissionDenied):
        services.adjustment_approve(adjustment_id=request.pk, by=billing)
    small = issued_invoice(patient, lines=[("MAT", "Dressing", "1", "80.00", "patient")])
    small_complaint = complaint_about(small, category="billing_error", by=front_desk)
    small_request = services.complaint_accept_proposal(complaint_id=small_complaint.pk, by=front_desk)
    services.adjustment_approve(adjustment_id=small_request.pk, by=billing)
    assert small.entries.filter(kind="small_claim_credit").exists()


def test_a_second_approval_is_refused(patient, front_desk, manager):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = complaint_about(invoice, by=front_desk)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    services.adjustment_approve(adjustment_id=request.pk, by=manager)
    with pytest.raises(InvalidTransition):
        services.adjustment_approve(adjustment_id=request.pk, by=manager)
    assert invoice.entries.filter(kind="write_off").count() == 1


def test_it_refuses_an_adjustment_above_what_is_owed_now(patient, front_desk, manager):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = complaint_about(invoice, by=front_desk)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=None)
    with pytest.raises(ApplicationError):
        services.adjustment_approve(adjustment_id=request.pk, by=manager)
    request.refresh_from_db()
    assert request.status == AdjustmentRequest.Status.PENDING


def test_rejection_needs_a_reason_and_posts_nothing(patient, front_desk, manager):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    complaint = complaint_about(invoice, by=front_desk)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    with pytest.raises(ApplicationError):
        services.adjustment_reject(adjustment_id=request.pk, by=manager, note=" ")
    services.adjustment_reject(adjustment_id=request.pk, by=manager, note="Care was appropriate")
    assert not invoice.entries.exclude(kind="charge").exists()


def test_an_explanation_has_nothing_to_approve(patient):
    invoice = issued_invoice(patient)
    complaint = complaint_about(invoice, category="coverage_misunderstanding")
    with pytest.raises(InvalidTransition):
        services.complaint_accept_proposal(complaint_id=complaint.pk, by=None)


def test_closing_needs_a_prevention_note(patient):
    complaint = complaint_about(issued_invoice(patient), category="invoice_question")
    with pytest.raises(ApplicationError):
        services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="", by=None)


def test_an_unmet_deadline_escalates_to_the_office_manager(patient):
    complaint = complaint_about(issued_invoice(patient), category="invoice_question")
    late = complaint.meeting_due_at + timedelta(minutes=1)
    assert services.complaints_escalate_overdue(now=complaint.meeting_due_at) == 0
    assert services.complaints_escalate_overdue(now=late) == 1
    assert services.complaints_escalate_overdue(now=late) == 0
    complaint.refresh_from_db()
    assert (complaint.status, complaint.route_to) == ("escalated", "office_manager")


def test_a_met_complaint_does_not_escalate(patient):
    complaint = complaint_about(issued_invoice(patient), category="invoice_question")
    services.complaint_mark_met(complaint_id=complaint.pk, by=None)
    assert services.complaints_escalate_overdue(now=complaint.meeting_due_at + timedelta(days=1)) == 0


def test_not_satisfied_at_the_follow_up_goes_back_to_the_manager(patient):
    complaint = complaint_about(issued_invoice(patient), category="invoice_question")
    services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer text", by=None)
    call = FollowUpCall.objects.get(complaint=complaint)
    collection_services.follow_up_call_record_outcome(call_id=call.pk, outcome="not_satisfied", by=None)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.route_to) == ("escalated", "office_manager")


def test_no_answer_reschedules_the_call(patient):
    complaint = complaint_about(issued_invoice(patient), category="invoice_question")
    services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer text", by=None)
    call = FollowUpCall.objects.get(complaint=complaint)
    collection_services.follow_up_call_record_outcome(call_id=call.pk, outcome="no_answer", by=None)
    call.refresh_from_db()
    assert call.attempts == 1 and call.completed_at is None


@time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=OSLO), tick=False)
def test_it_does_not_read_the_decision_to_audit_a_new_complaint(patient, front_desk):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    with CaptureQueriesContext(connection) as captured:
        complaint_about(invoice, by=front_desk)
    # The service writes the decision; nothing reads it back (auditlog's diff of a new complaint once did).
    assert not [query for query in captured.captured_queries if query["sql"].startswith('SELECT "disputes_decision"')]
