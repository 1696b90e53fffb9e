"""The law as guards on the collection lifecycle, one test per guard (issue 11 items 2, 3 and 6).

Each test fails when its guard is removed: counting from sending, unsent notices blocking and being retried,
the disputed-claim holds (also "patient still disagrees"), the agency recall, the tvistevarsel before the
conciliation board, who decides a case, fees from the dated inkassosats, and notices that match the state.
Every test runs on a pinned clock.
"""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from clinic_billing.exceptions import InvalidTransition, PermissionDenied
from disputes import services as dispute_services
from disputes.selectors import invoice_ids_disputed
from invoices import services as invoice_services
from invoices.templatetags.money import money
from patient_collections import letters, services
from patient_collections.models import (
    CollectionCase,
    FeeRate,
    FollowUpCall,
    Instalment,
    PaymentPlan,
    Reminder,
)
from patient_collections.notices import notice_text
from patient_collections.services.schedule import StepInput, schedule_problems
from tests.factories import ISSUED, PatientFactory, at, complaint_about, issue, sent_notice

pytestmark = pytest.mark.django_db


def nok(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(at(ISSUED), tick=False) as traveller:
        yield traveller


def sweep(day: date) -> services.SweepResult:
    return services.reminders_sweep(today=day, enqueue=False)


def file_complaint(invoice):
    return complaint_about(invoice, category="billing_error", description="I never had this consultation.")


def close_still_disagrees(complaint) -> None:
    dispute_services.complaint_close(
        complaint_id=complaint.pk,
        outcome="still_disagrees",
        prevention_note="Explain the codes on the invoice",
        by=None,
    )


# --- A notice counts from its sending ------------------------------------------------------------------


def test_it_counts_the_next_step_from_the_sending_not_the_creation(letter_patient):
    invoice = issue(letter_patient)
    due = invoice.due_date
    # Queued the day after the due date (deadline stored from then), but only sent nine days later.
    sent_notice(
        invoice, step=1, sent_at=at(due + timedelta(days=10)), channel="email", deadline=due + timedelta(days=15)
    )
    assert sweep(due + timedelta(days=20)).reminder_ids == []  # 14 days from the creation have passed, not sending
    assert sweep(due + timedelta(days=24)).reminder_ids == []
    [step_two] = sweep(due + timedelta(days=25)).reminder_ids
    assert Reminder.objects.get(pk=step_two).step == 2


def test_a_queued_notice_blocks_the_next_step_and_is_sent_again(letter_patient):
    invoice = issue(letter_patient)
    waiting = Reminder.objects.create(invoice=invoice, step=1, notice_type="reminder")  # e.g. SMS after hours
    result = sweep(invoice.due_date + timedelta(days=60))
    assert result.reminder_ids == [waiting.pk]
    assert not Reminder.objects.filter(invoice=invoice, step=2).exists()


def test_a_skipped_notice_is_retried_never_skipped_over(letter_patient):
    invoice = issue(letter_patient)
    skipped = Reminder.objects.create(
        invoice=invoice,
        step=1,
        notice_type="reminder",
        status=Reminder.Status.SKIPPED,
        skip_reason=services.SKIPPED_PAUSED,
    )
    result = sweep(invoice.due_date + timedelta(days=60))
    skipped.refresh_from_db()
    assert (skipped.status, skipped.skip_reason) == (Reminder.Status.QUEUED, "")
    assert result.reminder_ids == [skipped.pk]
    assert not Reminder.objects.filter(invoice=invoice, step=2).exists()


def test_an_unsent_final_notice_never_leads_to_a_case(letter_patient):
    invoice = issue(letter_patient)
    due = invoice.due_date
    sent_notice(invoice, step=1, sent_at=at(due + timedelta(days=1)), channel="email")
    sent_notice(invoice, step=2, sent_at=at(due + timedelta(days=16)), channel="email", fee="35.00")
    Reminder.objects.create(invoice=invoice, step=3, notice_type="final_notice", fee=Decimal("35.00"))
    assert sweep(due + timedelta(days=120)).cases_proposed == 0
    assert not CollectionCase.objects.exists()


def test_queued_notices_are_retried_once_a_case_exists(letter_patient):
    invoice = issue(letter_patient)
    waiting = Reminder.objects.create(invoice=invoice, step=3, notice_type="final_notice")
    CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)
    assert sweep(invoice.due_date + timedelta(days=60)).reminder_ids == [waiting.pk]


def test_two_runs_on_one_day_post_one_fee(letter_patient, pinned_clock):
    invoice = issue(letter_patient)
    due = invoice.due_date
    sent_notice(invoice, step=1, sent_at=at(due + timedelta(days=1)), channel="email")
    day = due + timedelta(days=16)
    pinned_clock.move_to(at(day))
    for _ in range(2):
        for reminder_id in sweep(day).reminder_ids:
            services.reminder_send(reminder_id=reminder_id, now=at(day))
    assert invoice.entries.filter(kind="reminder_fee").count() == 1


# --- Disputed claims are held -------------------------------------------------------------------------


def test_a_claim_the_patient_still_disputes_gets_no_reminder(letter_patient):
    invoice = issue(letter_patient)
    close_still_disagrees(file_complaint(invoice))
    result = sweep(invoice.due_date + timedelta(days=40))
    assert result.reminder_ids == []
    assert not Reminder.objects.exists()


def test_a_claim_the_patient_still_disputes_gets_a_case_to_decide_but_never_the_agency(letter_patient, manager):
    invoice = issue(letter_patient)
    close_still_disagrees(file_complaint(invoice))
    assert sweep(invoice.due_date + timedelta(days=40)).cases_proposed == 1
    case = CollectionCase.objects.get(invoice=invoice)
    with pytest.raises(InvalidTransition):
        services.collection_case_decide(case_id=case.pk, decision="agency", by=manager)


def test_the_hold_ends_when_the_case_settles_the_dispute(letter_patient, manager):
    invoice = issue(letter_patient)
    close_still_disagrees(file_complaint(invoice))
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)
    assert invoice_ids_disputed().filter(invoice_id=invoice.pk).exists()
    services.collection_case_decide(case_id=case.pk, decision="withdrawn", by=manager)
    assert not invoice_ids_disputed().filter(invoice_id=invoice.pk).exists()


def test_a_later_complaint_resolved_ends_the_still_disagrees_hold(letter_patient):
    invoice = issue(letter_patient)
    close_still_disagrees(file_complaint(invoice))
    later = file_complaint(invoice)
    dispute_services.complaint_close(complaint_id=later.pk, outcome="resolved", prevention_note="Agreed", by=None)
    assert not invoice_ids_disputed().filter(invoice_id=invoice.pk).exists()


# --- A complaint recalls a claim from the agency ------------------------------------------------------


def test_a_complaint_recalls_a_case_at_the_agency(letter_patient):
    invoice = issue(letter_patient)
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due, status="agency")
    file_complaint(invoice)
    case.refresh_from_db()
    assert case.recalled_at == at(ISSUED)


def test_a_recalled_case_is_a_recall_line_in_the_agency_export(letter_patient):
    invoice = issue(letter_patient)
    kept = CollectionCase.objects.create(
        invoice=issue(PatientFactory(name="Bo Lie")), amount=Decimal("500.00"), status="agency"
    )
    recalled = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due, status="agency")
    file_complaint(invoice)
    rows = list(csv.DictReader(io.StringIO(letters.agency_export_csv(letters.agency_cases()))))
    assert [(row["case_id"], row["action"]) for row in rows] == [
        (str(kept.pk), "collect"),
        (str(recalled.pk), "recall"),
    ]


def test_a_recalled_case_stays_a_recall_line_after_the_complaint_is_resolved(letter_patient):
    invoice = issue(letter_patient)
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due, status="agency")
    complaint = file_complaint(invoice)
    dispute_services.complaint_close(complaint_id=complaint.pk, outcome="resolved", prevention_note="Agreed", by=None)
    rows = list(csv.DictReader(io.StringIO(letters.agency_export_csv(letters.agency_cases()))))
    # Until the office manager decides it again, the agency was told to stop and is never told to collect.
    assert [(row["case_id"], row["action"]) for row in rows] == [(str(case.pk), "recall")]


def test_a_case_at_the_agency_on_a_disputed_claim_is_a_recall_line_even_if_not_recalled(letter_patient):
    invoice = issue(letter_patient)
    file_complaint(invoice)  # no case at the agency yet: nothing to recall
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due, status="agency")
    rows = list(csv.DictReader(io.StringIO(letters.agency_export_csv(letters.agency_cases()))))
    assert [(row["case_id"], row["action"]) for row in rows] == [(str(case.pk), "recall")]


def test_a_recalled_case_is_decided_again(letter_patient, manager):
    invoice = issue(letter_patient)
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due, status="agency")
    file_complaint(invoice)
    services.collection_case_decide(case_id=case.pk, decision="withdrawn", by=manager)
    case.refresh_from_db()
    assert case.status == "withdrawn"


# --- The tvistevarsel before the conciliation board; who decides --------------------------------------


def proposed_case(patient) -> CollectionCase:
    invoice = issue(patient)
    return CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)


def test_the_conciliation_board_needs_a_tvistevarsel_sent(letter_patient, manager):
    case = proposed_case(letter_patient)
    with pytest.raises(InvalidTransition):
        services.collection_case_decide(case_id=case.pk, decision="conciliation", by=manager)


def test_the_conciliation_board_waits_for_the_tvistevarsel_deadline(letter_patient, manager, pinned_clock):
    case = proposed_case(letter_patient)
    notice = services.conciliation_notice_record(case_id=case.pk, by=manager)
    assert (notice.sent_on, notice.answer_by) == (ISSUED, ISSUED + timedelta(days=14))
    pinned_clock.move_to(at(ISSUED + timedelta(days=14)))
    with pytest.raises(InvalidTransition):
        services.collection_case_decide(case_id=case.pk, decision="conciliation", by=manager)
    pinned_clock.move_to(at(ISSUED + timedelta(days=15)))
    assert services.collection_case_decide(case_id=case.pk, decision="conciliation", by=manager).status == (
        "conciliation"
    )


def test_a_provider_credits_a_disputed_claim_once_the_office_manager_approves(letter_patient, provider, manager):
    case = proposed_case(letter_patient)
    services.collection_case_decide(case_id=case.pk, decision="credited", by=provider)
    request = case.credit_requests.get()
    dispute_services.adjustment_approve(adjustment_id=request.pk, by=manager)
    case.invoice.refresh_from_db()
    assert case.invoice.patient_due == Decimal("0.00")


def test_billing_does_not_credit_a_disputed_claim(letter_patient, billing):
    case = proposed_case(letter_patient)
    with pytest.raises(PermissionDenied):
        services.collection_case_decide(case_id=case.pk, decision="credited", by=billing)
    case.invoice.refresh_from_db()
    assert case.invoice.patient_due == Decimal("500.00")


def test_a_provider_does_not_send_a_claim_to_the_agency(letter_patient, provider):
    case = proposed_case(letter_patient)
    with pytest.raises(PermissionDenied):
        services.collection_case_decide(case_id=case.pk, decision="agency", by=provider)


# --- Fees from the dated inkassosats ------------------------------------------------------------------


def test_fees_are_fractions_of_the_inkassosats_in_force():
    assert services.fee_amount(code="NO_REMINDER", on=date(2017, 1, 1)) == Decimal("35.00")
    assert services.fee_amount(code="NO_PAYMENT_DEMAND", on=ISSUED) == Decimal("105.00")
    FeeRate.objects.create(code="inkassosats", amount=Decimal("800.00"), effective_from=date(2027, 1, 1))
    assert services.fee_amount(code="NO_REMINDER", on=date(2026, 12, 31)) == Decimal("35.00")
    assert services.fee_amount(code="NO_REMINDER", on=date(2027, 1, 1)) == Decimal("40.00")


def test_a_notice_queued_under_a_new_inkassosats_carries_the_new_fee(letter_patient):
    FeeRate.objects.create(code="inkassosats", amount=Decimal("800.00"), effective_from=date(2026, 2, 1))
    invoice = issue(letter_patient)
    due = invoice.due_date
    sent_notice(invoice, step=1, sent_at=at(due + timedelta(days=1)), channel="email")
    day = due + timedelta(days=16)
    assert day >= date(2026, 2, 1)
    [step_two] = sweep(day).reminder_ids
    assert Reminder.objects.get(pk=step_two).fee == Decimal("40.00")  # 1/20 of 800, not of the old 700


def test_the_fee_cap_moves_with_the_inkassosats():
    FeeRate.objects.create(code="FLAT_40", amount=Decimal("40.00"), effective_from=date(2017, 1, 1))
    steps = [
        StepInput(1, 1, "reminder"),
        StepInput(2, 15, "reminder", "FLAT_40"),
        StepInput(3, 30, "final_notice", "NO_REMINDER", letter_only=True),
    ]
    assert any("at most" in problem for problem in schedule_problems(steps=steps, jurisdiction="NO", on=ISSUED))
    FeeRate.objects.create(code="inkassosats", amount=Decimal("800.00"), effective_from=date(2027, 1, 1))
    assert schedule_problems(steps=steps, jurisdiction="NO", on=date(2027, 1, 1)) == []


def test_the_schedule_validator_refuses_a_purring_after_the_inkassovarsel():
    steps = [
        StepInput(1, 1, "reminder"),
        StepInput(2, 15, "final_notice", "NO_REMINDER"),
        StepInput(3, 30, "reminder", "NO_REMINDER"),
    ]
    assert "No fee-bearing reminder may follow the final notice (inkassovarsel)." in schedule_problems(
        steps=steps, jurisdiction="NO", on=ISSUED
    )


# --- Notices that match the state ---------------------------------------------------------------------


def test_the_inkassovarsel_states_principal_earlier_fees_and_its_fee_apart(letter_patient):
    letter_patient.language = "en"
    letter_patient.save(update_fields=["language"])
    invoice = issue(letter_patient)
    due = invoice.due_date
    sent_notice(invoice, step=1, sent_at=at(due + timedelta(days=1)), channel="email")
    invoice_services.invoice_charge_fee(invoice=invoice, amount=Decimal("35.00"), reference="reminder-test")
    final = Reminder.objects.create(invoice=invoice, step=3, notice_type="final_notice", fee=Decimal("35.00"))
    invoice.refresh_from_db()
    body = notice_text(final, invoice, invoice.patient_due).body
    assert f"Principal: {nok('500.00')}" in body
    assert f"Earlier reminder fees: {nok('35.00')}" in body
    assert f"Reminder fee: {nok('35.00')}" in body
    assert f"Total to pay: {nok('570.00')}" in body


def test_a_notice_whose_fee_is_posted_does_not_count_it_among_the_earlier_fees(letter_patient):
    letter_patient.language = "en"
    letter_patient.save(update_fields=["language"])
    invoice = issue(letter_patient)
    due = invoice.due_date
    sent_notice(invoice, step=1, sent_at=at(due + timedelta(days=1)), channel="email")
    invoice_services.invoice_charge_fee(invoice=invoice, amount=Decimal("35.00"), reference="reminder-test")
    final = Reminder.objects.create(invoice=invoice, step=3, notice_type="final_notice", fee=Decimal("35.00"))
    final.fee_entry = invoice_services.invoice_charge_fee(
        invoice=invoice, amount=final.fee, reference=f"reminder-{final.pk}"
    )
    final.save(update_fields=["fee_entry"])
    invoice.refresh_from_db()
    body = notice_text(final, invoice, invoice.patient_due - final.fee).body
    assert f"Principal: {nok('500.00')}" in body
    assert f"Earlier reminder fees: {nok('35.00')}" in body
    assert f"Reminder fee: {nok('35.00')}" in body
    assert f"Total to pay: {nok('570.00')}" in body


def missed_first_instalment(patient):
    invoice = issue(patient)
    plan = services.payment_plan_create(
        invoice_id=invoice.pk, instalments=4, first_due=ISSUED + timedelta(days=10), by=None
    )
    services.instalments_sweep(today=ISSUED + timedelta(days=11), enqueue=False)
    return plan, Reminder.objects.get(invoice=invoice, step=services.INSTALMENT_STEPS + 1)


def test_a_missed_instalment_notice_names_the_instalment_and_the_plan(letter_patient):
    letter_patient.language = "en"
    letter_patient.save(update_fields=["language"])
    plan, reminder = missed_first_instalment(letter_patient)
    invoice = plan.invoice
    text = notice_text(reminder, invoice, invoice.patient_due)
    assert text.subject == f"Missed instalment: invoice {invoice.number}"
    assert f"Instalment 1 of your payment plan, {nok('125.00')} due on" in text.body
    assert f"has 4 instalments, {nok('500.00')} in all" in text.body
    assert "your plan goes on as agreed" in text.body
    assert f"Instalment to pay: {nok('125.00')}" in text.body
    assert nok("500.00") not in text.body.split("Instalment to pay")[1]  # asks for the instalment only
    assert "payment plan or a later date" not in text.body  # does not offer the plan they already have


def test_one_open_call_per_invoice_for_missed_instalments(letter_patient):
    invoice = issue(letter_patient)
    services.payment_plan_create(invoice_id=invoice.pk, instalments=4, first_due=ISSUED + timedelta(days=1), by=None)
    assert services.instalments_sweep(today=ISSUED + timedelta(days=70), enqueue=False) == 3
    assert FollowUpCall.objects.filter(invoice=invoice, reason="missed_instalment").count() == 1


def test_the_instalment_sweep_works_in_batches(letter_patient, django_assert_num_queries):
    plans = [
        services.payment_plan_create(
            invoice_id=issue(letter_patient).pk, instalments=2, first_due=ISSUED + timedelta(days=1), by=None
        )
        for _ in range(3)
    ]
    missed, after = services.instalments_sweep_batch(today=ISSUED + timedelta(days=2), batch_size=2, enqueue=False)
    assert (missed, after) == (2, plans[1].pk)
    assert services.instalments_sweep(today=ISSUED + timedelta(days=2), batch_size=2, enqueue=False) == 1
    assert Instalment.objects.filter(status="missed").count() == 3
    assert PaymentPlan.objects.filter(status="active").count() == 3


# --- Review of the combined round: where the retry, the holds and the cases meet ------------------------


@pytest.mark.parametrize("decision", ["withdrawn", "conciliation", "agency"])
def test_a_decided_case_sends_no_notice_left_over_from_before_it(letter_patient, manager, pinned_clock, decision):
    invoice = issue(letter_patient)
    skipped = Reminder.objects.create(
        invoice=invoice,
        step=1,
        notice_type="reminder",
        status=Reminder.Status.SKIPPED,
        skip_reason=services.SKIPPED_PAUSED,
    )
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)
    if decision == "conciliation":
        services.conciliation_notice_record(case_id=case.pk, by=manager)
        pinned_clock.move_to(at(ISSUED + timedelta(days=15)))
    services.collection_case_decide(case_id=case.pk, decision=decision, by=manager)
    day = invoice.due_date + timedelta(days=60)
    pinned_clock.move_to(at(day))
    for reminder_id in sweep(day).reminder_ids:
        services.reminder_send(reminder_id=reminder_id, now=at(day))
    skipped.refresh_from_db()
    assert skipped.status != Reminder.Status.SENT
    assert not Reminder.objects.filter(invoice=invoice, status=Reminder.Status.SENT).exists()


def test_the_instalment_sweep_leaves_a_disputed_claim_alone(letter_patient):
    invoice = issue(letter_patient)
    services.payment_plan_create(invoice_id=invoice.pk, instalments=4, first_due=ISSUED + timedelta(days=1), by=None)
    file_complaint(invoice)
    assert services.instalments_sweep(today=ISSUED + timedelta(days=70), enqueue=False) == 0
    assert not FollowUpCall.objects.filter(invoice=invoice, reason="missed_instalment").exists()
    assert not Instalment.objects.filter(plan__invoice=invoice, status="missed").exists()


def test_a_notice_skipped_for_want_of_a_channel_is_not_queued_again_every_sweep(letter_patient):
    invoice = issue(letter_patient)
    skipped = Reminder.objects.create(
        invoice=invoice,
        step=1,
        notice_type="reminder",
        status=Reminder.Status.SKIPPED,
        skip_reason=services.SKIPPED_NO_CHANNEL,
    )
    assert sweep(invoice.due_date + timedelta(days=60)).reminder_ids == []
    skipped.refresh_from_db()
    assert skipped.status == Reminder.Status.SKIPPED
    assert not Reminder.objects.filter(invoice=invoice, step=2).exists()  # it still blocks the next step


def test_a_notice_sent_after_waiting_gives_its_full_deadline_from_the_sending(letter_patient, pinned_clock):
    invoice = issue(letter_patient)
    day = invoice.due_date + timedelta(days=1)
    pinned_clock.move_to(at(day))
    [reminder_id] = sweep(day).reminder_ids
    later = day + timedelta(days=9)  # e.g. the relay was down for nine days
    pinned_clock.move_to(at(later))
    reminder = services.reminder_send(reminder_id=reminder_id, now=at(later))
    assert reminder.status == Reminder.Status.SENT
    assert reminder.deadline == later + timedelta(days=14)
