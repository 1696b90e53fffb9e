"""The office manager edits the policy: validation, simulation on past complaints, new versions, reports."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clinic_billing.exceptions import ApplicationError
from disputes import services
from disputes.models import Policy
from disputes.selectors import complaint_report
from patient_collections import services as collection_services
from tests.factories import complaint_about, issued_invoice

pytestmark = pytest.mark.django_db


def current_draft():
    return services.policy_draft_from(services.policy_active())


def test_it_publishes_a_valid_change_as_the_next_version(manager, patient):
    old_complaint = complaint_about(issued_invoice(patient), category="coverage_misunderstanding")
    draft = current_draft()
    rules = tuple(replace(r, meeting_within_hours=2) if r.position == 6 else r for r in draft.rules)
    policy = services.policy_publish(draft=replace(draft, rules=rules, note="Meet sooner"), by=manager)
    assert (policy.version, policy.is_active) == (2, True)
    assert Policy.objects.filter(is_active=True).count() == 1
    old_complaint.decision.refresh_from_db()
    assert old_complaint.decision.policy_version == 1
    new = complaint_about(issued_invoice(patient), category="coverage_misunderstanding")
    assert new.decision.policy_version == 2 and new.decision.meeting_within_hours == 2


def test_it_refuses_a_policy_that_leaves_a_category_unrouted(manager):
    draft = current_draft()
    rules = tuple(r for r in draft.rules if "invoice_question" not in r.categories)
    with pytest.raises(ApplicationError) as error:
        services.policy_publish(draft=replace(draft, rules=rules), by=manager)
    assert "invoice question" in error.value.message
    assert Policy.objects.count() == 1


def test_it_refuses_rules_that_overlap_so_one_never_applies(manager):
    draft = current_draft()
    duplicate = replace(draft.rules[0], position=50, names={"en": "Copy"})
    with pytest.raises(ApplicationError):
        services.policy_publish(draft=replace(draft, rules=(*draft.rules, duplicate)), by=manager)


def test_simulation_lists_the_decisions_a_change_would_alter(patient):
    complaint_about(
        issued_invoice(patient, lines=[("GP1", "Visit", "1", "500.00", "patient")]), category="service_incident"
    )
    complaint_about(issued_invoice(patient), category="coverage_misunderstanding")
    draft = current_draft()
    rules = tuple(replace(r, proposal_percent=Decimal("20")) if r.position == 2 else r for r in draft.rules)
    simulation = services.policy_simulate(draft=replace(draft, rules=rules), last=10)
    assert simulation.compared == 2
    assert [(c.before, c.after) for c in simulation.changes] == [
        (
            services.SimulatedOutcome("office_manager", "reduction", Decimal("250.00")),
            services.SimulatedOutcome("office_manager", "reduction", Decimal("100.00")),
        )
    ]


def test_the_report_counts_categories_meetings_adjustments_and_follow_ups(patient, front_desk, manager):
    invoice = issued_invoice(patient, lines=[("GP1", "Visit", "1", "500.00", "patient")])
    complaint = complaint_about(invoice, category="care_quality")
    services.complaint_mark_met(complaint_id=complaint.pk, by=front_desk)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    services.adjustment_approve(adjustment_id=request.pk, by=manager)
    services.complaint_close(complaint_id=complaint.pk, outcome="adjusted", prevention_note="Shorter waits", by=manager)
    call = complaint.follow_up_calls.get()
    collection_services.follow_up_call_record_outcome(call_id=call.pk, outcome="satisfied", by=front_desk)
    today = timezone.localdate()
    report = complaint_report(start=today - timedelta(days=30), end=today)
    assert report.by_category_and_outcome == [{"category": "care_quality", "outcome": "adjusted", "count": 1}]
    assert report.meetings["met_on_time"] == 1
    assert report.adjustments[0]["decided_by__username"] == manager.username
    assert report.adjustments[0]["total"] == Decimal("500.00")
    assert report.follow_up_outcomes == [{"outcome": "satisfied", "count": 1}]
    assert report.prevention_actions[0]["prevention_note"] == "Shorter waits"
