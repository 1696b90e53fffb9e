"""The office manager's screens: the policy and its history, editing with simulation and publishing, the report."""

import csv
import io
from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Complaint, Policy
from disputes.policy import Rule
from invoices.templatetags.money import money
from patient_collections import services as collection_services
from tests.factories import complaint_about, edit_form, issued_invoice

pytestmark = pytest.mark.django_db

PATIENT_LINES = [("GP1", "Visit", "1", "500.00", "patient")]


@pytest.fixture
def manager_client(manager, client_for) -> Client:
    return client_for(manager)


def file(patient, category: str, *, lines=None) -> Complaint:
    return complaint_about(issued_invoice(patient, lines=lines), category=category)


def resolved_clinical_complaint(patient, *, staff, manager) -> Complaint:
    """A care complaint met on time, written off, closed with a prevention note and a satisfied follow-up call."""
    complaint = file(patient, "care_quality", lines=PATIENT_LINES)
    services.complaint_mark_met(complaint_id=complaint.pk, by=staff)
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=staff)
    services.adjustment_approve(adjustment_id=request.pk, by=manager)
    services.complaint_close(complaint_id=complaint.pk, outcome="adjusted", prevention_note="Shorter waits", by=manager)
    collection_services.follow_up_call_record_outcome(
        call_id=complaint.follow_up_calls.get().pk, outcome="satisfied", by=staff
    )
    return complaint


def current_draft() -> services.PolicyDraft:
    return services.policy_draft_from(services.policy_active())


def with_rule(draft: services.PolicyDraft, at: int, **changes: object) -> services.PolicyDraft:
    """The draft with the rule at position `at` changed."""
    return replace(draft, rules=tuple(replace(r, **changes) if r.position == at else r for r in draft.rules))


def publish_again(by, note: str = "Same again") -> Policy:
    return services.policy_publish(draft=replace(current_draft(), note=note), by=by)


# --- The policy and its history -----------------------------------------------------------------------


def test_it_lists_the_rules_of_the_active_policy_in_words(manager_client):
    response = manager_client.get(reverse("office:policy-detail"))
    assert response.status_code == 200
    page = response.content.decode()
    assert [row.rule.position for row in response.context["rows"]] == list(range(1, 11))
    assert "Small billing error: credit the claim" in page
    threshold = services.policy_active().small_claim_threshold
    assert f"Categories: Billing error; up to {money(threshold)}" in page
    assert "Reduction of 50 %" in page
    assert response.context["rows"][4].approver == "No approval needed"  # hold for insurance moves no money
    assert "Default policy from what billing offices told us." in page


def test_it_shows_an_earlier_version_as_not_in_use(manager_client, manager):
    publish_again(manager, note="Meet sooner")
    page = manager_client.get(reverse("office:policy-version", args=[1])).content.decode()
    assert "Earlier version, not in use" in page
    assert "Meet sooner" in page
    assert reverse("office:policy-version", args=[2]) in page


def test_it_answers_404_for_an_unknown_version(manager_client):
    assert manager_client.get(reverse("office:policy-version", args=[99])).status_code == 404


MANAGER_PAGES = [
    ("office:policy-detail", []),
    ("office:policy-version", [1]),
    ("office:policy-edit", []),
    ("office:complaint-report", []),
    ("office:complaint-report-csv", []),
]


@pytest.mark.parametrize(("name", "args"), MANAGER_PAGES)
@pytest.mark.parametrize("persona", ["billing", "front_desk", "provider"])
def test_it_refuses_staff_who_are_not_the_office_manager(client_for, request, persona, name, args):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args"), MANAGER_PAGES)
def test_it_refuses_a_patient_user(client_for, patient, name, args):
    assert client_for(patient.user).get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args"), MANAGER_PAGES)
def test_it_sends_anonymous_users_to_login(client, db, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_a_post_to_the_edit_page_from_billing(client_for, billing):
    response = client_for(billing).post(
        reverse("office:policy-edit"), edit_form(current_draft(), action="publish", note="x")
    )
    assert response.status_code == 403
    assert Policy.objects.count() == 1


@pytest.mark.parametrize("versions", [1, 10])
def test_it_runs_a_fixed_number_of_queries_on_the_policy_page(
    manager_client, manager, patient, django_assert_num_queries, versions
):
    for _ in range(versions - 1):
        publish_again(manager)
    for _ in range(versions):
        file(patient, "coverage_misunderstanding")
    # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
    # 4 active policy, 5 its rules, 6 the version history with who published each
    # +1: the two-factor device that verified this staff session (django-otp, mfa)
    with django_assert_num_queries(7):
        response = manager_client.get(reverse("office:policy-detail"))
    assert len(response.context["history"]) == versions


# --- Editing: simulate and publish --------------------------------------------------------------------


def test_it_prefills_the_edit_form_from_the_active_policy(manager_client):
    response = manager_client.get(reverse("office:policy-edit"))
    assert response.status_code == 200
    rules = response.context["rules"]
    assert len(rules.forms) == 11  # ten rules and one empty rule to add
    assert rules.forms[1].initial["proposal_percent"] == Decimal("50")
    # The empty rule's menus start on an empty choice, so a browser posts it back empty and it adds nothing.
    assert response.content.decode().count('<option value="" selected>Choose…</option>') == 2
    assert "Publish as version 2" in response.content.decode()


def test_it_simulates_a_change_and_shows_the_decisions_it_would_alter(manager_client, patient):
    changed = file(patient, "service_incident", lines=PATIENT_LINES)
    file(patient, "coverage_misunderstanding")
    draft = with_rule(current_draft(), 2, proposal_percent=Decimal("20"))
    response = manager_client.post(reverse("office:policy-edit"), edit_form(draft, action="simulate", last="10"))
    assert response.status_code == 200
    assert response.context["simulation"].compared == 2
    [change] = response.context["changes"]
    assert change.complaint_id == changed.pk
    assert (change.before, change.after) == (
        f"Office manager: Reduction {money(Decimal('250.00'))}",
        f"Office manager: Reduction {money(Decimal('100.00'))}",
    )
    assert f'href="{reverse("disputes:complaint-detail", args=[changed.pk])}"' in response.content.decode()
    assert Policy.objects.count() == 1


def test_it_publishes_the_edit_as_the_next_version_that_decides_new_complaints(manager_client, manager, patient):
    draft = with_rule(current_draft(), 6, meeting_within_hours=2)
    response = manager_client.post(
        reverse("office:policy-edit"), edit_form(draft, action="publish", note="Meet sooner")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("office:policy-detail")
    policy = Policy.objects.get(is_active=True)
    assert (policy.version, policy.note, policy.created_by) == (2, "Meet sooner", manager)
    complaint = file(patient, "coverage_misunderstanding")
    assert (complaint.decision.policy_version, complaint.decision.meeting_within_hours) == (2, 2)
    page = manager_client.get(response["Location"]).content.decode()
    assert "Policy version 2 is now in use." in page


def test_it_names_a_deputy_approver_and_shows_it_on_the_policy(manager_client, provider):
    draft = replace(current_draft(), deputy_approver_role="", deputy_approver_id=provider.pk)
    response = manager_client.post(
        reverse("office:policy-edit"), edit_form(draft, action="publish", note="Petter deputises")
    )
    assert response.status_code == 302
    policy = Policy.objects.get(is_active=True)
    assert (policy.deputy_approver_role, policy.deputy_approver) == ("", provider)
    page = manager_client.get(reverse("office:policy-detail")).content.decode()
    assert "Deputy approver" in page and provider.username in page


def test_it_refuses_to_publish_without_a_deputy_approver(manager_client):
    draft = replace(current_draft(), deputy_approver_role="", deputy_approver_id=None)
    response = manager_client.post(reverse("office:policy-edit"), edit_form(draft, action="publish", note="No deputy"))
    assert response.status_code == 200
    assert any("Name a deputy approver" in problem for problem in response.context["problems"])
    assert Policy.objects.get(is_active=True).version == 1


def test_it_adds_a_rule_from_the_empty_form(manager_client):
    draft = with_rule(current_draft(), 10, position=11)
    repeat = Rule(
        position=10,
        names={"en": "Repeated money worries: the office manager calls"},
        categories=frozenset({"cannot_pay"}),
        min_earlier_complaints=2,
        route_to="office_manager",
        meeting_within_hours=24,
        proposal_kind="deferral",
    )
    data = edit_form(draft, action="publish", note="Repeat cases to the manager", new_rule=repeat)
    assert manager_client.post(reverse("office:policy-edit"), data).status_code == 302
    rules = list(Policy.objects.get(version=2).rules.values_list("position", "names", "min_earlier_complaints"))
    assert (10, dict(repeat.names), 2) in rules
    assert len(rules) == 11


def test_it_adds_an_empty_rule_to_fill_in_without_saving(manager_client):
    response = manager_client.post(reverse("office:policy-edit"), edit_form(current_draft(), action="add_rule"))
    assert response.status_code == 200
    assert len(response.context["rules"].forms) == 12
    assert Policy.objects.count() == 1


def test_it_asks_what_changed_before_publishing(manager_client):
    response = manager_client.post(
        reverse("office:policy-edit"), edit_form(current_draft(), action="publish", note=" ")
    )
    assert response.status_code == 200
    assert "Say in a few words what changed" in response.content.decode()
    assert Policy.objects.count() == 1


def test_it_refuses_to_remove_the_only_rule_for_patients_who_cannot_pay(manager_client):
    data = edit_form(current_draft(), action="publish", note="Tidy up", delete_positions=(10,))
    response = manager_client.post(reverse("office:policy-edit"), data)
    assert response.status_code == 200
    assert any("No rule catches every cannot pay complaint" in p for p in response.context["problems"])
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert 'value="Tidy up"' in page  # the manager's input is kept
    assert Policy.objects.count() == 1


def test_it_refuses_a_clinical_rule_routed_to_the_front_desk(manager_client):
    draft = with_rule(current_draft(), 1, route_to="front_desk")
    response = manager_client.post(reverse("office:policy-edit"), edit_form(draft, action="publish", note="Desk first"))
    assert response.status_code == 200
    problems = response.context["problems"]
    assert problems == [
        "Rule 1 (Care or clinical complaint: the provider meets the patient): clinical complaints must go to a "
        "provider or the office manager."
    ]
    assert problems[0] in response.content.decode().replace("&#x27;", "'")
    assert response.context["rules"].forms[0]["route_to"].value() == "front_desk"
    assert Policy.objects.count() == 1


def test_it_shows_a_field_problem_next_to_the_rule_and_in_the_summary(manager_client):
    draft = with_rule(current_draft(), 3, names={})
    data = edit_form(draft, action="simulate")
    response = manager_client.post(reverse("office:policy-edit"), data)
    assert response.status_code == 200
    assert response.context["simulation"] is None
    # The rule has a name in no language: the clinic's language (nb here) is the field to fill in.
    assert 'href="#id_rules-2-name_nb"' in response.content.decode()


# --- The report ---------------------------------------------------------------------------------------


def test_it_reports_counts_by_category_meetings_adjustments_and_follow_ups(
    manager_client, patient, front_desk, manager
):
    resolved_clinical_complaint(patient, staff=front_desk, manager=manager)
    file(patient, "billing_error")
    response = manager_client.get(reverse("office:complaint-report"))
    assert response.status_code == 200
    tables = response.context["tables"]
    by_category = {label: (cells, total) for label, cells, total in tables.by_category}
    assert by_category["Quality of care or clinical error"][1] == 1
    assert by_category["Billing error"] == ([0, 0, 0, 0, 0, 1], 1)
    assert tables.complaints_total == 2
    assert dict(tables.meetings)["Met on time"] == 1
    assert tables.adjustments == [
        (
            "Write-off of the balance after insurance",
            "Quality of care or clinical error",
            "mona_manager",
            1,
            Decimal("500.00"),
        )
    ]
    assert tables.follow_ups == [("Satisfied", 1)]
    assert response.context["satisfaction_chart"] == {"labels": ["Satisfied"], "values": [1]}
    page = response.content.decode()
    assert "Shorter waits" in page
    assert money(Decimal("500.00")) in page
    assert 'id="chart-by-category" type="application/json"' in page


def test_it_reports_only_the_chosen_period(manager_client, patient):
    file(patient, "billing_error")
    response = manager_client.get(reverse("office:complaint-report"), {"start": "2020-01-01", "end": "2020-12-31"})
    assert response.context["tables"].complaints_total == 0


@pytest.mark.parametrize(
    "query", [{"start": "2026-13-45"}, {"end": "yesterday"}, {"start": "2026-05-01", "end": "2026-04-01"}]
)
def test_it_shows_a_form_error_for_a_malformed_period(manager_client, query):
    response = manager_client.get(reverse("office:complaint-report"), query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "tables" not in response.context
    assert 'id="error-summary"' in response.content.decode()


def test_it_downloads_the_report_as_csv_with_one_section_per_table(manager_client, patient, front_desk, manager):
    resolved_clinical_complaint(patient, staff=front_desk, manager=manager)
    today = timezone.localdate().isoformat()
    response = manager_client.get(reverse("office:complaint-report-csv"), {"start": today, "end": today})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="complaint-report-{today}-{today}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Complaint report", today, today]
    for title, header in [
        ("Complaints by category and outcome", ["Category", "Resolved with the patient"]),
        ("Time to first meeting", ["Meeting", "Complaints"]),
        ("Reductions and write-offs", ["Kind", "Category", "Approved by", "Count", "Total"]),
        ("Follow-up calls", ["Outcome", "Calls"]),
        ("Prevention actions", ["Complaint", "Closed", "Category", "What will prevent a repeat"]),
    ]:
        index = rows.index([title])
        assert rows[index + 1][: len(header)] == header
    assert [
        "Write-off of the balance after insurance",
        "Quality of care or clinical error",
        "mona_manager",
        "1",
        "500.00",
    ] in rows
    assert ["Satisfied", "1"] in rows


def test_it_quotes_free_text_a_spreadsheet_would_run_as_a_formula(manager_client, patient, front_desk, manager):
    complaint = resolved_clinical_complaint(patient, staff=front_desk, manager=manager)
    Complaint.objects.filter(pk=complaint.pk).update(prevention_note="=HYPERLINK(1)")
    rows = list(csv.reader(io.StringIO(manager_client.get(reverse("office:complaint-report-csv")).content.decode())))
    assert rows[-2][-1] == "'=HYPERLINK(1)"


def test_it_refuses_a_csv_for_a_malformed_period(manager_client):
    response = manager_client.get(reverse("office:complaint-report-csv"), {"start": "not-a-date"})
    assert response.status_code == 400


@pytest.mark.parametrize("complaints", [1, 10])
def test_it_runs_a_fixed_number_of_queries_on_the_report(
    manager_client, patient, front_desk, manager, django_assert_num_queries, complaints
):
    for _ in range(complaints):
        resolved_clinical_complaint(patient, staff=front_desk, manager=manager)
    # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
    # 4 complaints by category and outcome, 5 meeting deadlines, 6 approved adjustments,
    # 7 follow-up call outcomes, 8 prevention actions
    # +1: the two-factor device that verified this staff session (django-otp, mfa)
    with django_assert_num_queries(9):
        response = manager_client.get(reverse("office:complaint-report"))
    assert response.context["tables"].complaints_total == complaints


def test_it_shows_a_period_out_of_range_as_a_form_error(manager_client):
    """The report counts up to the day after `end`: after 9999-12-31 there is none."""
    response = manager_client.get(reverse("office:complaint-report"), {"start": "2026-01-01", "end": "9999-12-31"})
    assert "Give a date between" in response.content.decode()
    assert "tables" not in response.context


def test_it_refuses_a_csv_for_a_period_out_of_range(manager_client):
    response = manager_client.get(reverse("office:complaint-report-csv"), {"start": "2026-01-01", "end": "9999-12-31"})
    assert response.status_code == 400
    assert "Give a date between" in response.content.decode()


def test_it_words_a_reversed_period_as_the_audit_log_does(manager_client):
    response = manager_client.get(reverse("office:complaint-report"), {"start": "2026-05-01", "end": "2026-04-01"})

    assert response.context["form"].errors["end"] == ["The end date comes before the start date."]
