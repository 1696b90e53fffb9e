"""Staff screens for collections: the calls worklist, plans and deferrals from the invoice page, the reminder
schedule, collection cases, the day's print batch and the aging report."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Complaint
from invoices import services as invoice_services
from invoices.models import Invoice
from invoices.templatetags.money import money
from patient_collections import services as collection_services
from patient_collections.models import (
    CollectionCase,
    Deferral,
    FollowUpCall,
    Instalment,
    PaymentPlan,
    Reminder,
    ReminderStep,
)
from patients.models import Patient
from tests.factories import (
    CONSULTATION,
    PatientFactory,
    at,
    complaint_about,
    issued_invoice,
    overdue_invoice,
    patient_with_address,
    sent_notice,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def closed_complaint_call(patient, *, by) -> FollowUpCall:
    """The follow-up call a closed complaint schedules (due after the policy's three days)."""
    complaint = complaint_about(
        issued_invoice(patient), category="invoice_question", by=by, description="What is this bill for?"
    )
    services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer", by=by)
    return FollowUpCall.objects.get(complaint=complaint)


def test_it_lists_open_calls_with_phone_reason_and_complaint(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    page = client_for(front_desk).get(reverse("collections:call-list")).content.decode()
    assert patient.name in page
    assert '<a href="tel:+4740000000">+47 400 00 000</a>' in page
    assert "Ask if the patient is satisfied with how it was handled" in page
    assert reverse("disputes:complaint-detail", args=[call.complaint_id]) in page


def test_it_records_an_outcome_in_one_click_and_swaps_the_row(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    response = client_for(front_desk).post(
        reverse("collections:call-outcome", args=[call.pk]), {"outcome": "satisfied", "note": ""}, headers=HTMX
    )
    row = response.content.decode()
    assert row.startswith(f'<tr id="call-{call.pk}">')
    assert "Call recorded: Satisfied." in row
    assert 'name="outcome"' not in row
    call.refresh_from_db()
    assert (call.outcome, call.attempts, call.completed_by) == ("satisfied", 1, front_desk)


def test_it_tries_again_tomorrow_after_no_answer(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    row = (
        client_for(front_desk)
        .post(reverse("collections:call-outcome", args=[call.pk]), {"outcome": "no_answer"}, headers=HTMX)
        .content.decode()
    )
    assert "Last try: No answer" in row
    assert 'name="outcome"' in row
    call.refresh_from_db()
    assert call.completed_at is None
    assert call.due_at > timezone.now() + timedelta(hours=23)


def test_it_sends_an_unhappy_patient_back_to_the_office_manager(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    client_for(front_desk).post(reverse("collections:call-outcome", args=[call.pk]), {"outcome": "not_satisfied"})
    complaint = Complaint.objects.get()
    assert (complaint.status, complaint.route_to) == ("escalated", "office_manager")


def test_it_redirects_with_a_message_without_htmx(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    client = client_for(front_desk)
    first = client.post(reverse("collections:call-outcome", args=[call.pk]), {"outcome": "done"}, follow=True)
    assert first.redirect_chain == [(reverse("collections:call-list"), 302)]
    assert [str(m) for m in first.context["messages"]] == ["Call recorded: Done."]
    again = client.post(reverse("collections:call-outcome", args=[call.pk]), {"outcome": "done"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["This call is already recorded."]


def test_it_shows_a_refusal_inside_the_row_with_htmx(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    row = (
        client_for(front_desk)
        .post(reverse("collections:call-outcome", args=[call.pk]), {"outcome": "maybe"}, headers=HTMX)
        .content.decode()
    )
    assert "Choose the outcome of the call." in row
    call.refresh_from_db()
    assert call.attempts == 0


def test_it_leaves_recorded_calls_off_the_list(patient, manager, front_desk, client_for):
    call = closed_complaint_call(patient, by=manager)
    client_for(front_desk).post(reverse("collections:call-outcome", args=[call.pk]), {"outcome": "done"})
    assert client_for(front_desk).get(reverse("collections:call-list")).context["calls"] == []


def test_it_refuses_a_patient_user(patient, manager, client_for):
    call = closed_complaint_call(patient, by=manager)
    client = client_for(patient.user)
    assert client.get(reverse("collections:call-list")).status_code == 403
    assert client.post(reverse("collections:call-outcome", args=[call.pk]), {"outcome": "done"}).status_code == 403
    call.refresh_from_db()
    assert call.completed_at is None


def test_it_answers_404_for_an_unknown_call(front_desk, client_for):
    response = client_for(front_desk).post(reverse("collections:call-outcome", args=[999999]), {"outcome": "done"})
    assert response.status_code == 404


def test_it_lists_calls_in_a_fixed_number_of_queries(manager, front_desk, client_for, django_assert_num_queries):
    client = client_for(front_desk)
    for count in (1, 10):
        while FollowUpCall.objects.count() < count:
            closed_complaint_call(PatientFactory(), by=manager)
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 count of open calls (paginator), 5 the page with patients, invoices and complaints
        # 6 the notices with an unknown outcome, with their invoices and patients
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(8):
            response = client.get(reverse("collections:call-list"))
        assert len(response.context["calls"]) == count


# --- Shared set-ups -------------------------------------------------------------------------------------


def overdue(patient: Patient, *, days: int = 40) -> Invoice:
    """An invoice of 500.00 the patient owes, its due date `days` days before today."""
    return overdue_invoice(patient, days=days, lines=CONSULTATION)


def send_first_reminder(invoice: Invoice) -> Reminder:
    """Step 1 of the schedule, as the sweep and the worker send it the day after the due date."""
    assert invoice.due_date is not None
    day = invoice.due_date + timedelta(days=1)
    (reminder_id,) = collection_services.reminders_sweep(today=day, enqueue=False).reminder_ids
    return collection_services.reminder_send(reminder_id=reminder_id, now=at(day))


def proposed_case(patient: Patient | None = None, *, notices: int = 0) -> CollectionCase:
    """A case as the sweep proposes it; `notices` reminders went out before (the sweep stops at the case)."""
    invoice = overdue(patient or PatientFactory(), days=60)
    if notices:
        send_first_reminder(invoice)
    return CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)


def dispute(invoice: Invoice) -> Complaint:
    return complaint_about(invoice, category="billing_error", description="I was charged twice.")


def warm_content_types() -> None:
    """The audit log looks the content type up once per process; keep that out of the query counts."""
    ContentType.objects.get_for_models(Patient, Invoice)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- The invoice page: reminders, pauses, plans and deferrals ---------------------------------------------


def test_it_shows_the_reminders_sent_with_a_letter_to_download(patient, billing, client_for):
    invoice = overdue(patient)
    reminder = send_first_reminder(invoice)
    response = client_for(billing).get(reverse("frontdesk:invoice-detail", args=[invoice.pk]))
    (row,) = response.context["collections"].reminders
    assert (row, row.channel_label) == (reminder, "Portal message")  # the patient has a portal account
    page = response.content.decode()
    assert "<td>Portal message</td>" in page and "<td>Sent" in page
    assert reverse("collections:reminder-letter", args=[reminder.pk]) in page
    assert "Reminders follow the schedule: nothing pauses them." in page


def test_it_shows_why_collection_is_paused(patient, billing, client_for):
    invoice = overdue(patient)
    dispute(invoice)
    until = timezone.localdate() + timedelta(days=20)
    collection_services.deferral_create(invoice_id=invoice.pk, until=until, reason="Waiting for salary", by=billing)
    page = client_for(billing).get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    assert "Reminders are paused:" in page
    assert "A complaint is open on this invoice." in page
    assert "Deferred until" in page and "Waiting for salary" in page


def test_it_shows_the_active_plan_with_its_instalments(patient, billing, client_for):
    invoice = overdue(patient)
    collection_services.payment_plan_create(invoice_id=invoice.pk, instalments=4, by=billing)
    page = client_for(billing).get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    assert "A payment plan is being kept." in page
    assert page.count(money(Decimal("125.00"))) >= 4
    # No second plan beside it: the plan form is offered only to replace this one, with the checkbox that says so.
    assert "Set up a payment plan" not in page
    assert "Replace the payment plan" in page
    assert 'id="plan_replace_arrangement"' in page


def test_it_downloads_a_reminder_letter(patient, billing, client_for):
    reminder = send_first_reminder(overdue(patient))
    response = client_for(billing).get(reverse("collections:reminder-letter", args=[reminder.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_it_sets_up_a_payment_plan_from_the_invoice_page(patient, billing, client_for):
    invoice = overdue(patient)
    first_due = timezone.localdate() + timedelta(days=10)
    response = client_for(billing).post(
        reverse("collections:invoice-payment-plan", args=[invoice.pk]),
        {"instalments": "5", "monthly_amount": "", "first_due": first_due.isoformat()},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("frontdesk:invoice-detail", args=[invoice.pk]), 302)]
    plan = PaymentPlan.objects.get(invoice=invoice)
    assert (plan.status, plan.total, plan.created_by) == ("active", Decimal("500.00"), billing)
    assert plan.instalments.order_by("number").values_list("due_date", flat=True).first() == first_due
    assert messages_of(response) == ["Payment plan set up: 5 instalments, reminders wait while it is kept."]


def test_it_sets_up_a_plan_from_a_monthly_amount(patient, billing, client_for):
    invoice = overdue(patient)
    client_for(billing).post(
        reverse("collections:invoice-payment-plan", args=[invoice.pk]), {"monthly_amount": "200.00"}
    )
    amounts = list(Instalment.objects.filter(plan__invoice=invoice).values_list("amount", flat=True))
    assert amounts == [Decimal("200.00"), Decimal("200.00"), Decimal("100.00")]


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"instalments": "1"}, "instalments", "A plan has at least two instalments."),
        ({"instalments": "3", "monthly_amount": "100"}, "instalments", "Give either the number of instalments"),
        ({"monthly_amount": "-5"}, "monthly_amount", "The monthly amount must be greater than zero."),
        ({"monthly_amount": "ten"}, "monthly_amount", "Enter a number."),
        ({"instalments": "3", "first_due": "2020-01-01"}, "first_due", "cannot be due in the past"),
    ],
)
def test_it_refuses_a_bad_plan_on_the_field_and_keeps_the_input(patient, billing, client_for, form, field, message):
    invoice = overdue(patient)
    response = client_for(billing).post(reverse("collections:invoice-payment-plan", args=[invoice.pk]), form)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    page = response.content.decode()
    assert 'id="error-summary"' in page
    for name, value in form.items():
        assert f'name="{name}" value="{value}"' in page
    assert not PaymentPlan.objects.exists()


def test_it_defers_collection(patient, billing, client_for):
    invoice = overdue(patient)
    until = timezone.localdate() + timedelta(days=30)
    response = client_for(billing).post(
        reverse("collections:invoice-deferral", args=[invoice.pk]),
        {"until": until.isoformat(), "reason": "New job"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("frontdesk:invoice-detail", args=[invoice.pk]), 302)]
    deferral = Deferral.objects.get(invoice=invoice)
    assert (deferral.until, deferral.reason, deferral.created_by) == (until, "New job", billing)


@pytest.mark.parametrize("until", ["", "yesterday", (date.today() - timedelta(days=1)).isoformat(), "2099-01-01"])
def test_it_refuses_a_bad_deferral_on_the_date_field(patient, billing, client_for, until):
    invoice = overdue(patient)
    response = client_for(billing).post(
        reverse("collections:invoice-deferral", args=[invoice.pk]), {"until": until, "reason": "Kept"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["until"]
    assert 'name="reason" value="Kept"' in response.content.decode()
    assert not Deferral.objects.exists()


def test_it_refuses_plans_and_deferrals_to_a_provider(patient, provider, client_for):
    invoice = overdue(patient)
    client = client_for(provider)
    assert (
        client.post(reverse("collections:invoice-payment-plan", args=[invoice.pk]), {"instalments": "3"}).status_code
        == 403
    )
    assert (
        client.post(reverse("collections:invoice-deferral", args=[invoice.pk]), {"until": "2099-01-01"}).status_code
        == 403
    )
    assert not PaymentPlan.objects.exists()


def test_it_answers_404_for_a_plan_on_an_unknown_invoice(billing, client_for):
    response = client_for(billing).post(
        reverse("collections:invoice-payment-plan", args=[999999]), {"instalments": "3"}
    )
    assert response.status_code == 404


# --- The reminder schedule ------------------------------------------------------------------------------


def schedule_form(steps: list[tuple], *, initial: int | None = None, extra: int = 0) -> dict[str, str]:
    """The posted formset: (number, days, notice, fee code, deadline, letter only, manager approval) per row."""
    data = {
        "steps-TOTAL_FORMS": str(len(steps) + extra),
        "steps-INITIAL_FORMS": str(len(steps) if initial is None else initial),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
    }
    for index, (number, days, notice, fee, deadline, letter, approval) in enumerate(steps):
        data.update(
            {
                f"steps-{index}-number": str(number),
                f"steps-{index}-days_after_due": str(days),
                f"steps-{index}-notice_type": notice,
                f"steps-{index}-fee_code": fee,
                f"steps-{index}-deadline_days": str(deadline),
            }
        )
        if letter:
            data[f"steps-{index}-letter_only"] = "on"
        if approval:
            data[f"steps-{index}-manager_approval"] = "on"
    return data


NORWAY = [
    (1, 1, "reminder", "", 14, False, False),
    (2, 15, "reminder", "NO_REMINDER", 14, False, False),
    (3, 30, "final_notice", "NO_REMINDER", 14, True, True),
]


def saved_steps() -> list[tuple]:
    return list(
        ReminderStep.objects.filter(jurisdiction="NO")
        .order_by("number")
        .values_list("number", "days_after_due", "notice_type", "fee_code", "deadline_days", "letter_only")
    )


def test_it_shows_the_schedule_and_the_fee_rates(manager, client_for):
    page = client_for(manager).get(reverse("collections:schedule-detail")).content.decode()
    assert "Reminder schedule (NO)" in page
    assert "Final notice" in page
    assert money(Decimal("700.00")) in page
    assert reverse("collections:schedule-edit") in page


def test_it_names_the_fees_in_words_not_by_their_code(manager, client_for):
    page = client_for(manager).get(reverse("collections:schedule-detail")).content.decode()
    steps = page.split('id="schedule-steps"', 1)[1].split("</table>", 1)[0]

    assert "Reminder fee (1/20 of the inkassosats)" in steps
    assert "NO_REMINDER" not in steps
    assert "Debt collection rate (inkassosats)" in page


def test_it_prefills_the_schedule_form_with_the_saved_steps(manager, client_for):
    formset = client_for(manager).get(reverse("collections:schedule-edit")).context["formset"]
    assert [form.initial["days_after_due"] for form in formset.initial_forms] == [1, 15, 30]
    assert len(formset.forms) == 4  # one empty row to add a step


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ((2, 10, "reminder", "NO_REMINDER", 14, False, False), "14 days after the due date at the earliest"),
        ((2, 15, "reminder", "NO_REMINDER", 10, False, False), "at least 14 days"),
    ],
)
def test_it_refuses_an_unlawful_norwegian_schedule_and_saves_nothing(manager, client_for, change, problem):
    before = saved_steps()
    steps = [NORWAY[0], change, NORWAY[2]]
    response = client_for(manager).post(reverse("collections:schedule-edit"), schedule_form(steps))
    assert response.status_code == 200
    assert any(problem in text for text in response.context["problems"])
    assert "Nothing was saved. Correct these first:" in response.content.decode()
    assert saved_steps() == before


def test_it_refuses_a_third_fee_notice(manager, client_for):
    steps = [*NORWAY, (4, 60, "final_notice", "NO_REMINDER", 14, True, True)]
    response = client_for(manager).post(reverse("collections:schedule-edit"), schedule_form(steps, initial=3))
    assert "At most 2 notice(s) per claim may carry a fee." in response.context["problems"]
    assert len(saved_steps()) == 3


def test_it_saves_a_lawful_change_of_the_schedule(manager, client_for):
    steps = [NORWAY[0], (2, 20, "reminder", "NO_REMINDER", 21, False, False), NORWAY[2]]
    response = client_for(manager).post(reverse("collections:schedule-edit"), schedule_form(steps), follow=True)
    assert response.redirect_chain == [(reverse("collections:schedule-detail"), 302)]
    assert saved_steps()[1] == (2, 20, "reminder", "NO_REMINDER", 21, False)


def test_it_adds_and_removes_steps(manager, client_for):
    data = schedule_form([*NORWAY, (4, 50, "reminder", "", 14, False, False)], initial=3)
    data["steps-2-DELETE"] = "on"
    client_for(manager).post(reverse("collections:schedule-edit"), data)
    # Step 3 removed and a step 4 added would leave a gap: refused.
    assert len(saved_steps()) == 3
    data["steps-3-number"] = "3"
    client_for(manager).post(reverse("collections:schedule-edit"), data)
    assert [step[:3] for step in saved_steps()] == [(1, 1, "reminder"), (2, 15, "reminder"), (3, 50, "reminder")]


def test_it_shows_field_errors_of_the_schedule_form(manager, client_for):
    data = schedule_form(NORWAY)
    data["steps-1-days_after_due"] = "soon"
    response = client_for(manager).post(reverse("collections:schedule-edit"), data)
    assert response.context["formset"].forms[1].errors == {"days_after_due": ["Enter a whole number."]}
    assert len(saved_steps()) == 3


@pytest.mark.parametrize("persona", ["billing", "front_desk"])
def test_it_keeps_the_schedule_editor_for_the_office_manager(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("collections:schedule-detail")).status_code == 403
    assert client.post(reverse("collections:schedule-edit"), schedule_form(NORWAY)).status_code == 403


# --- Collection cases -----------------------------------------------------------------------------------


def test_it_lists_proposed_cases_with_what_is_owed_and_whether_disputed(manager, client_for):
    case = proposed_case(PatientFactory(name="Sigrid Dahl"), notices=1)
    dispute(case.invoice)
    response = client_for(manager).get(reverse("collections:case-list"))
    (row,) = response.context["cases"]
    assert (row.pk, row.disputed, row.notices_sent) == (case.pk, True, 1)
    page = response.content.decode()
    assert "Sigrid Dahl" in page and "Yes — no agency" in page
    assert money(Decimal("500.00")) in page


def test_it_filters_cases_by_status(manager, client_for):
    case = proposed_case()
    CollectionCase.objects.filter(pk=case.pk).update(status="agency")
    client = client_for(manager)
    assert client.get(reverse("collections:case-list")).context["cases"] == []
    assert [c.pk for c in client.get(reverse("collections:case-list"), {"status": "agency"}).context["cases"]] == [
        case.pk
    ]
    assert len(client.get(reverse("collections:case-list"), {"status": ""}).context["cases"]) == 1
    assert client.get(reverse("collections:case-list"), {"status": "bogus"}).status_code == 200


def test_it_lets_the_manager_ask_for_credit_and_the_deputy_approve_it_on_the_case_page(manager, provider, client_for):
    case = proposed_case()
    page = reverse("collections:case-detail", args=[case.pk])
    response = client_for(manager).post(
        reverse("collections:case-decide", args=[case.pk]), {"decision": "credited", "note": "Small claim"}, follow=True
    )
    assert response.redirect_chain == [(page, 302)]
    assert messages_of(response) == ["Credit requested: a colleague must approve it before the claim is credited."]
    case.refresh_from_db()
    assert (case.status, case.decided_by, case.note) == ("credit_pending", manager, "Small claim")
    request = case.credit_requests.get()
    approve_url = reverse("disputes:adjustment-approve", args=[request.pk])
    own = response.content.decode()
    assert "Credit requested, waiting for approval." in own and approve_url not in own
    assert "Nobody approves their own request" in own

    deputy_page = client_for(provider).get(page).content.decode()
    assert approve_url in deputy_page
    approved = client_for(provider).post(approve_url, {"back": "subject"}, follow=True)

    assert approved.redirect_chain == [(page, 302)]
    assert messages_of(approved)[0].startswith("Approved:")
    case.refresh_from_db()
    assert (case.status, case.ledger_entry.credit_note.approved_by) == ("credited", provider)
    case.invoice.refresh_from_db()
    assert case.invoice.patient_due == Decimal("0.00")


def test_it_refuses_a_decision_by_billing(billing, client_for):
    case = proposed_case()
    response = client_for(billing).post(reverse("collections:case-decide", args=[case.pk]), {"decision": "credited"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "proposed"


def test_it_shows_billing_the_case_without_the_decision_buttons(billing, client_for):
    case = proposed_case()
    page = client_for(billing).get(reverse("collections:case-detail", args=[case.pk])).content.decode()
    assert reverse("collections:case-summary", args=[case.pk]) in page
    assert 'name="decision"' not in page


def test_it_refuses_to_send_a_disputed_claim_to_an_agency(manager, client_for):
    case = proposed_case()
    dispute(case.invoice)
    client = client_for(manager)
    page = client.get(reverse("collections:case-detail", args=[case.pk])).content.decode()
    assert "the claim may not go to a collection agency" in page
    response = client.post(reverse("collections:case-decide", args=[case.pk]), {"decision": "agency"}, follow=True)
    assert messages_of(response) == ["A disputed claim is never sent to a collection agency."]
    case.refresh_from_db()
    assert case.status == "proposed"


def test_it_refuses_an_unknown_decision_and_a_second_decision(manager, client_for):
    case = proposed_case()
    client = client_for(manager)
    response = client.post(reverse("collections:case-decide", args=[case.pk]), {"decision": "proposed"}, follow=True)
    assert messages_of(response) == ["Choose credit, agency, conciliation board or withdraw."]
    client.post(reverse("collections:case-decide", args=[case.pk]), {"decision": "withdrawn"}, follow=True)
    response = client.post(
        reverse("collections:case-decide", args=[case.pk]), {"decision": "conciliation"}, follow=True
    )
    assert messages_of(response) == ["This case was already decided."]
    case.refresh_from_db()
    assert case.status == "withdrawn"


def test_it_answers_404_for_an_unknown_case(manager, client_for):
    client = client_for(manager)
    assert client.get(reverse("collections:case-detail", args=[999999])).status_code == 404
    assert client.post(reverse("collections:case-decide", args=[999999]), {"decision": "withdrawn"}).status_code == 404


@pytest.mark.parametrize("name", ["collections:case-conciliation-notice", "collections:case-summary"])
def test_it_downloads_the_case_pdfs(manager, client_for, name):
    case = proposed_case()
    response = client_for(manager).get(reverse(name, args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_it_exports_the_agency_cases_as_csv(manager, client_for):
    sent = proposed_case(PatientFactory(name="Agency Case"))
    proposed_case(PatientFactory(name="Still Proposed"))
    CollectionCase.objects.filter(pk=sent.pk).update(status="agency")
    client = client_for(manager)
    response = client.get(reverse("collections:case-agency-export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="collection-cases-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[2] for row in rows[1:]] == ["Agency Case"]
    assert rows[1][5] == "500.00"
    proposed = list(
        csv.reader(
            io.StringIO(client.get(reverse("collections:case-agency-export"), {"status": "proposed"}).content.decode())
        )
    )
    assert [row[2] for row in proposed[1:]] == ["Still Proposed"]
    assert client.get(reverse("collections:case-agency-export"), {"status": "bogus"}).status_code == 400


def test_the_agency_export_leaves_an_audit_row_for_each_exported_invoice(manager, client_for):
    sent = proposed_case(PatientFactory(name="Agency Case"))
    proposed_case(PatientFactory(name="Still Proposed"))
    CollectionCase.objects.filter(pk=sent.pk).update(status="agency")
    client_for(manager).get(reverse("collections:case-agency-export"), REMOTE_ADDR="10.1.2.4")
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=manager, remote_addr="10.1.2.4")
    assert [int(row.object_pk) for row in rows] == [sent.invoice_id]


def test_it_keeps_cases_from_the_front_desk(front_desk, client_for):
    case = proposed_case()
    client = client_for(front_desk)
    for name, args in [
        ("collections:case-list", []),
        ("collections:case-detail", [case.pk]),
        ("collections:case-summary", [case.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403


# --- The print batch ------------------------------------------------------------------------------------


def test_it_lists_the_letters_sent_on_a_day(front_desk, client_for):
    day = date(2026, 3, 10)
    letter = sent_notice(overdue(patient_with_address(name="Astrid Berg", postal_code="0155")), sent_at=at(day))
    sent_notice(overdue(patient_with_address(name="Another Day")), sent_at=at(day - timedelta(days=1)))
    response = client_for(front_desk).get(reverse("collections:print-batch"), {"day": day.isoformat()})
    assert response.context["reminders"] == [letter]
    page = response.content.decode()
    assert "Astrid Berg" in page and "0155" in page and "Another Day" not in page
    assert f"{reverse('collections:print-batch-pdf')}?day=2026-03-10" in page


def test_it_shows_todays_letters_by_default(front_desk, client_for):
    response = client_for(front_desk).get(reverse("collections:print-batch"))
    assert response.context["day"] == timezone.localdate()
    assert "No letters were sent that day." in response.content.decode()


@pytest.mark.parametrize("day", ["2026-13-45", "9999-12-31", "0001-01-01"])
def test_it_shows_a_malformed_day_as_a_form_error(front_desk, client_for, day):
    """9999-12-31 is a valid date, but the day after it is not: the batch overflowed and answered 500."""
    response = client_for(front_desk).get(reverse("collections:print-batch"), {"day": day})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["day"]
    assert response.context["reminders"] == []


def test_it_sends_a_pdf_request_for_a_day_out_of_range_back_to_the_form(front_desk, client_for):
    response = client_for(front_desk).get(reverse("collections:print-batch-pdf"), {"day": "9999-12-31"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('collections:print-batch')}?day=9999-12-31"


def test_it_downloads_the_days_letters_as_one_pdf(front_desk, client_for):
    day = date(2026, 3, 10)
    sent_notice(overdue(patient_with_address()), sent_at=at(day))
    response = client_for(front_desk).get(reverse("collections:print-batch-pdf"), {"day": day.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letters-2026-03-10.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_print_batch_leaves_an_audit_row_for_each_letters_invoice(front_desk, client_for):
    day = date(2026, 3, 10)
    invoices = [overdue(patient_with_address(name=name)) for name in ("Astrid Berg", "Per Dahl")]
    for invoice in invoices:
        sent_notice(invoice, sent_at=at(day))
    client_for(front_desk).get(reverse("collections:print-batch-pdf"), {"day": day.isoformat()}, REMOTE_ADDR="10.1.2.3")
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=front_desk, remote_addr="10.1.2.3")
    assert sorted(int(row.object_pk) for row in rows) == sorted(invoice.pk for invoice in invoices)


def test_it_says_when_no_letter_went_out_that_day(front_desk, client_for):
    response = client_for(front_desk).get(reverse("collections:print-batch-pdf"), {"day": "2026-03-10"}, follow=True)
    assert response.redirect_chain == [(f"{reverse('collections:print-batch')}?day=2026-03-10", 302)]
    assert messages_of(response) == ["No letters were sent that day."]


def test_it_sends_a_malformed_pdf_day_back_to_the_form(front_desk, client_for):
    response = client_for(front_desk).get(reverse("collections:print-batch-pdf"), {"day": "soon"}, follow=True)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["day"]


def test_it_keeps_the_print_batch_from_a_provider(provider, client_for):
    assert client_for(provider).get(reverse("collections:print-batch")).status_code == 403


# --- The aging report -----------------------------------------------------------------------------------


def test_it_shows_the_aging_totals_chart_and_patients(manager, client_for):
    patient = PatientFactory(name="Old Debt")
    overdue(patient, days=45)
    response = client_for(manager).get(reverse("collections:aging-report"))
    page = response.content.decode()
    assert response.context["chart"]["values"] == ["0.00", "0.00", "500.00", "0.00", "0.00", "0.00"]
    assert 'id="aging-chart-data"' in page and '<canvas id="aging-chart"' in page
    assert "js/aging-chart.js" in page and "chart.umd.min.js" in page
    assert reverse("frontdesk:patient-detail", args=[patient.pk]) in page
    assert money(Decimal("500.00")) in page


def test_it_downloads_the_aging_report_as_csv(billing, client_for):
    overdue(PatientFactory(name="Old Debt"), days=45)
    response = client_for(billing).get(reverse("collections:aging-report-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][1] == "Old Debt" and rows[1][-1] == "500.00"


@pytest.mark.parametrize("persona", ["front_desk", "provider"])
def test_it_keeps_the_aging_report_for_billing_and_the_office_manager(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("collections:aging-report")).status_code == 403
    assert client.get(reverse("collections:aging-report-csv")).status_code == 403


# --- Access for patients and the nav --------------------------------------------------------------------


def test_it_refuses_a_patient_user_on_every_collections_page(patient, client_for):
    invoice = overdue(patient)
    reminder = send_first_reminder(invoice)
    case = CollectionCase.objects.create(invoice=invoice, amount=Decimal("500.00"))
    client = client_for(patient.user)
    gets = [
        ("collections:reminder-letter", [reminder.pk]),
        ("collections:invoice-payment-plan", [invoice.pk]),
        ("collections:invoice-deferral", [invoice.pk]),
        ("collections:schedule-detail", []),
        ("collections:schedule-edit", []),
        ("collections:case-list", []),
        ("collections:case-detail", [case.pk]),
        ("collections:case-conciliation-notice", [case.pk]),
        ("collections:case-summary", [case.pk]),
        ("collections:case-agency-export", []),
        ("collections:print-batch", []),
        ("collections:print-batch-pdf", []),
        ("collections:aging-report", []),
        ("collections:aging-report-csv", []),
    ]
    for name, args in gets:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    posts = [
        ("collections:invoice-payment-plan", [invoice.pk], {"instalments": "3"}),
        ("collections:invoice-deferral", [invoice.pk], {"until": "2099-01-01"}),
        ("collections:schedule-edit", [], schedule_form(NORWAY)),
        ("collections:case-decide", [case.pk], {"decision": "credited"}),
    ]
    for name, args, data in posts:
        assert client.post(reverse(name, args=args), data).status_code == 403, name
    assert not PaymentPlan.objects.exists() and not Deferral.objects.exists()
    case.refresh_from_db()
    assert case.status == "proposed"


def test_it_shows_the_office_manager_every_collections_link(manager, client_for):
    page = client_for(manager).get(reverse("collections:aging-report")).content.decode()
    for name in (
        "collections:case-list",
        "collections:print-batch",
        "collections:schedule-detail",
        "collections:aging-report",
        "office:policy-detail",
        "office:complaint-report",
    ):
        assert f'href="{reverse(name)}"' in page, name


def test_it_shows_the_front_desk_only_the_print_batch(front_desk, client_for):
    page = client_for(front_desk).get(reverse("collections:print-batch")).content.decode()
    assert f'href="{reverse("collections:print-batch")}"' in page
    for name in (
        "collections:case-list",
        "collections:schedule-detail",
        "collections:aging-report",
        "office:policy-detail",
        "office:complaint-report",
    ):
        assert f'href="{reverse(name)}"' not in page, name


# --- Query counts ---------------------------------------------------------------------------------------


def test_it_lists_cases_in_a_fixed_number_of_queries(manager, client_for, django_assert_num_queries):
    client = client_for(manager)
    for count in (1, 10):
        while CollectionCase.objects.count() < count:
            proposed_case(notices=1)
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 count of cases (paginator), 5 the page with invoices, patients, deciders, disputes and notices
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(7):
            response = client.get(reverse("collections:case-list"))
        assert len(response.context["cases"]) == count


def test_it_lists_the_print_batch_in_a_fixed_number_of_queries(front_desk, client_for, django_assert_num_queries):
    client = client_for(front_desk)
    day = date(2026, 3, 10)
    for count in (1, 10):
        while Reminder.objects.count() < 2 * count:
            sent_notice(overdue(patient_with_address()), sent_at=at(day))
            waiting = sent_notice(overdue(patient_with_address()), sent_at=at(day))
            Reminder.objects.filter(pk=waiting.pk).update(status=Reminder.Status.TO_PRINT, sent_at=None)
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 the day's letters with invoices and patients, 5 the letters waiting for print with theirs
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(7):
            response = client.get(reverse("collections:print-batch"), {"day": day.isoformat()})
        assert len(response.context["reminders"]) == len(response.context["waiting"]) == count


def test_it_builds_the_aging_report_in_a_fixed_number_of_queries(manager, client_for, django_assert_num_queries):
    client = client_for(manager)
    for count in (1, 10):
        while Invoice.objects.count() < count:
            overdue(PatientFactory(), days=10 * Invoice.objects.count())
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 totals and counts per bucket, 5 the per-patient rows
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +2: the listed patients, read for their audit rows, and the rows' insert
        with django_assert_num_queries(8):
            response = client.get(reverse("collections:aging-report"))
        assert len(response.context["report"].rows) == count


def test_it_shows_a_case_in_a_fixed_number_of_queries(manager, client_for, django_assert_num_queries):
    case = proposed_case()
    warm_content_types()
    client = client_for(manager)
    for notices in (1, 3):
        while Reminder.objects.filter(invoice=case.invoice).count() < notices:
            step = Reminder.objects.filter(invoice=case.invoice).count() + 1
            Reminder.objects.create(
                invoice=case.invoice,
                step=step,
                notice_type="reminder",
                channel="email",
                status="sent",
                sent_at=at(date(2026, 3, step)),
            )
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 the case with invoice, patient, decider, dispute and notice count, 5 insert the audit ACCESS entry,
        # 6 the patient's balance and 7 their open complaint for the account header, 8 the notices sent,
        # 9 the latest pre-litigation notice (tvistevarsel), 10 the case's credit requests (none waits for
        # approval, so the approval settings are not read)
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        with django_assert_num_queries(11):
            response = client.get(reverse("collections:case-detail", args=[case.pk]))
        assert len(response.context["notices"]) == notices


def test_it_shows_why_a_notice_was_skipped_in_the_readers_language(billing, client_for):
    invoice = overdue(PatientFactory(), days=40)
    day = invoice.due_date + timedelta(days=1)
    (reminder_id,) = collection_services.reminders_sweep(today=day, enqueue=False).reminder_ids
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=None)
    collection_services.reminder_send(reminder_id=reminder_id, now=at(day))
    client = client_for(billing)
    page = client.get(
        reverse("frontdesk:invoice-detail", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="nb"
    ).content.decode()
    assert "betalt før varselet ble sendt" in page


@pytest.mark.parametrize(
    ("view", "form"), [("collections:invoice-payment-plan", {"instalments": "3"}), ("collections:invoice-deferral", {})]
)
def test_it_refuses_a_date_in_the_year_9999_on_the_field(patient, billing, client_for, view, form):
    invoice = overdue(patient)
    field = "first_due" if view == "collections:invoice-payment-plan" else "until"

    response = client_for(billing).post(reverse(view, args=[invoice.pk]), {**form, field: "9999-12-31"})

    assert response.status_code == 200
    assert "Give a date between 1900-01-01 and 2199-12-31." in response.context["form"].errors[field]
