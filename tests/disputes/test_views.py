"""Staff screens for complaints: intake, the decision page, the open complaints and the approval queue."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import AdjustmentRequest, Complaint, ComplaintStatusChange
from invoices.models import Invoice, LedgerEntry
from invoices.templatetags.money import money
from patient_collections.models import FollowUpCall
from patients.models import Patient
from tests.factories import (
    COMPLAINT_WORDS,
    OWED_BY_PATIENT,
    PatientFactory,
    ProxyFactory,
    complaint_about,
    issued_invoice,
    write_off_pending,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# Deadlines count the clinic's open hours: tests that read them run on a Monday morning in Oslo.
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))


def intake_url(patient: Patient, invoice: Invoice | None = None) -> str:
    url = f"{reverse('disputes:complaint-new')}?patient={patient.pk}"
    return f"{url}&invoice={invoice.pk}" if invoice else url


def intake_form(invoice: Invoice, **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "speaker": "patient",
        "channel": "desk",
        "invoice": invoice.pk,
        "category": "care_quality",
        "description": COMPLAINT_WORDS,
    }
    form.update(overrides)
    return form


def posted_adjustments() -> int:
    return LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.CHARGE).count()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def warm_content_types() -> None:
    """The audit log looks the content type up once per process; keep that out of the query counts."""
    ContentType.objects.get_for_models(Patient, Complaint, Invoice)


# --- Intake ------------------------------------------------------------------------------------------


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_it_logs_a_complaint_and_shows_the_decision(patient, front_desk, client_for):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)
    client = client_for(front_desk)

    response = client.post(intake_url(patient), intake_form(invoice), follow=True)

    complaint = Complaint.objects.get()
    assert response.redirect_chain == [(reverse("disputes:complaint-detail", args=[complaint.pk]), 302)]
    assert (complaint.channel, complaint.received_by, complaint.description) == ("desk", front_desk, COMPLAINT_WORDS)
    page = response.content.decode()
    assert "Direct the patient to" in page
    assert '<dd id="decision-route">Provider</dd>' in page
    assert "Meet by" in page and "in 4 hours" in page
    assert f'Write-off of the balance after insurance — <span class="money">{money(Decimal("700.00"))}' in page
    assert '<dd id="decision-approver">Office manager</dd>' in page
    assert "Decided by rule 1 “Care or clinical complaint: the provider meets the patient” of policy version 1" in page
    assert "Let the patient speak without interrupting" in page
    assert COMPLAINT_WORDS in page


def test_it_offers_the_patients_issued_invoices_with_what_is_owed(patient, front_desk, client_for):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)
    other = issued_invoice(PatientFactory())
    page = client_for(front_desk).get(intake_url(patient)).content.decode()
    assert f"{invoice.number} — issued" in page
    assert money(Decimal("700.00")) in page
    assert other.number not in page


def test_it_loads_the_lines_of_the_chosen_invoice_with_htmx(patient, front_desk, client_for):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)
    url = f"{reverse('disputes:complaint-invoice-lines')}?patient={patient.pk}&invoice={invoice.pk}"
    response = client_for(front_desk).get(url, headers=HTMX)
    page = response.content.decode()
    assert "<html" not in page
    assert page.count('type="checkbox" name="lines"') == 2
    assert "Dressing" in page


def test_it_files_a_complaint_about_the_chosen_lines(patient, front_desk, client_for):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)
    dressing = invoice.lines.get(code="MAT")
    client_for(front_desk).post(intake_url(patient), intake_form(invoice, lines=[dressing.pk]))
    complaint = Complaint.objects.get()
    assert list(complaint.lines.all()) == [dressing]
    assert complaint.disputed_amount == Decimal("60.00")


def test_it_tells_someone_else_to_get_authorisation_and_files_nothing(patient, front_desk, client_for):
    invoice = issued_invoice(patient)
    response = client_for(front_desk).post(intake_url(patient), intake_form(invoice, speaker="someone_else"))
    assert response.status_code == 200
    assert response.context["stopped"] is True
    page = response.content.decode()
    assert page.count("This person is not authorised to speak for the patient.") == 2  # the stop box, and the hint
    assert "signed power of attorney" in page
    assert Complaint.objects.count() == 0


def test_it_records_the_proxy_who_spoke(patient, proxy, front_desk, client_for):
    invoice = issued_invoice(patient)
    page = client_for(front_desk).get(intake_url(patient)).content.decode()
    assert "Ola Proxy, son — authorised proxy" in page
    client_for(front_desk).post(intake_url(patient), intake_form(invoice, speaker=f"proxy-{proxy.pk}"))
    assert Complaint.objects.get().proxy == proxy


def test_it_offers_no_proxy_whose_authorisation_has_ended(patient, front_desk, client_for):
    expired = ProxyFactory(patient=patient, name="Per Expired", valid_to=timezone.localdate() - timedelta(days=1))
    invoice = issued_invoice(patient)
    assert "Per Expired" not in client_for(front_desk).get(intake_url(patient)).content.decode()
    response = client_for(front_desk).post(intake_url(patient), intake_form(invoice, speaker=f"proxy-{expired.pk}"))
    assert response.context["form"].errors["speaker"]
    assert Complaint.objects.count() == 0


def test_it_refuses_a_complaint_on_another_patients_invoice(patient, other_patient, front_desk, client_for):
    theirs = issued_invoice(other_patient)
    issued_invoice(patient)
    response = client_for(front_desk).post(intake_url(patient), intake_form(theirs))
    assert response.status_code == 200
    assert response.context["form"].errors["invoice"]
    assert Complaint.objects.count() == 0


def test_it_shows_a_refusal_on_the_field_it_names_and_keeps_the_input(patient, front_desk, client_for):
    invoice = issued_invoice(patient)
    response = client_for(front_desk).post(
        intake_url(patient), intake_form(invoice, description="  ", category="billing_error", channel="phone")
    )
    assert response.context["form"].errors["description"] == ["Write down what the patient said, in their own words."]
    page = response.content.decode()
    assert 'value="billing_error" class="form-check-input" id="id_category_2" checked' in page
    assert 'value="phone" class="form-check-input" id="id_channel_1" checked' in page
    assert Complaint.objects.count() == 0


@pytest.fixture
def provider_without_intake(provider):
    """A provider whose role may not log complaints (the default lets providers record what they meet)."""
    Group.objects.get(name="provider").permissions.remove(
        Permission.objects.get(content_type__app_label="disputes", codename="add_complaint")
    )
    return provider


def test_it_puts_the_complaint_button_on_the_account_page(patient, front_desk, provider_without_intake, client_for):
    invoice = issued_invoice(patient)
    url = reverse("frontdesk:patient-detail", args=[patient.pk])
    assert f'href="{intake_url(patient)}"' in client_for(front_desk).get(url).content.decode()
    invoice_page = client_for(front_desk).get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    assert f'href="{intake_url(patient, invoice).replace("&", "&amp;")}"' in invoice_page  # the invoice comes along
    assert "Log a complaint or refusal to pay" not in client_for(provider_without_intake).get(url).content.decode()


def test_it_refuses_intake_without_the_permission(patient, provider_without_intake, client_for):
    invoice = issued_invoice(patient)
    response = client_for(provider_without_intake).post(intake_url(patient), intake_form(invoice))
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


# --- The complaint page ------------------------------------------------------------------------------


# The hours overdue are open hours (deadline_of): pinned to a Tuesday afternoon, all of them were open.
@time_machine.travel(datetime(2026, 12, 8, 14, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False)
def test_it_marks_an_overdue_meeting_in_words(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    Complaint.objects.filter(pk=complaint.pk).update(meeting_due_at=timezone.now() - timedelta(hours=5))
    page = client_for(front_desk).get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    assert "<strong>Overdue</strong> by 5 hours" in page


def test_it_shows_the_open_complaint_in_the_account_header(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    page = client_for(front_desk).get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    assert 'id="account-open-complaint"' in page
    assert "collections paused" in page


def test_it_records_the_meeting(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    response = client_for(front_desk).post(reverse("disputes:complaint-met", args=[complaint.pk]), follow=True)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.MET
    assert "Meeting recorded" in messages_of(response)[0]
    assert "Met with the patient → " not in response.content.decode()


def test_it_explains_why_a_proposal_without_money_cannot_be_accepted(patient, front_desk, billing, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="coverage_misunderstanding")
    url = reverse("disputes:complaint-detail", args=[complaint.pk])
    page = client_for(billing).get(url).content.decode()
    assert "Nothing to approve: this proposal moves no money" in page
    assert "Patient accepts the proposal" not in page
    response = client_for(billing).post(reverse("disputes:complaint-accept-proposal", args=[complaint.pk]), follow=True)
    assert messages_of(response) == ["This proposal moves no money, so there is nothing to approve."]
    assert AdjustmentRequest.objects.count() == 0


def test_it_refuses_accepting_a_proposal_to_front_desk(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    response = client_for(front_desk).post(reverse("disputes:complaint-accept-proposal", args=[complaint.pk]))
    assert response.status_code == 403
    assert AdjustmentRequest.objects.count() == 0


def test_it_shows_a_refusal_to_close_on_the_field_it_names(patient, front_desk, manager, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    form = {"outcome": "resolved", "prevention_note": "", "resolution_note": "We talked."}
    response = client_for(manager).post(reverse("disputes:complaint-close", args=[complaint.pk]), form)
    assert response.status_code == 200
    assert response.context["close_form"].errors["prevention_note"] == [
        "Say what will be done so it does not happen again."
    ]
    assert 'value="resolved" selected' in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.is_open


def test_it_names_every_missing_field_of_the_close_form_at_once(patient, front_desk, manager, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    form = {"outcome": "", "prevention_note": "", "action": "preview"}

    response = client_for(manager).post(reverse("disputes:complaint-close", args=[complaint.pk]), form)

    assert response.status_code == 200
    assert response.context["close_form"].errors == {
        "outcome": ["Choose the outcome."],
        "prevention_note": ["Say what will be done so it does not happen again."],
    }


def test_the_close_form_marks_only_the_letter_text_optional(patient, front_desk, manager, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)

    page = client_for(manager).get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    close_form = page.split('class="close-complaint', 1)[1].split("</details>", 1)[0]

    assert close_form.count("(optional)") == 1
    assert "Letter to the patient <span" in close_form


def test_it_refuses_the_letter_of_an_open_complaint_with_a_message(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    response = client_for(front_desk).get(reverse("disputes:complaint-letter", args=[complaint.pk]), follow=True)
    assert response.redirect_chain == [(reverse("disputes:complaint-detail", args=[complaint.pk]), 302)]
    assert "written when the complaint is closed" in messages_of(response)[0]


def test_it_logs_a_read_of_the_complaint(patient, front_desk, provider, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)
    client_for(provider).get(reverse("disputes:complaint-detail", args=[complaint.pk]))
    entry = LogEntry.objects.get_for_object(complaint).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == provider


def test_it_answers_404_for_an_unknown_complaint(front_desk, client_for):
    assert client_for(front_desk).get(reverse("disputes:complaint-detail", args=[999999])).status_code == 404


# --- The whole path ----------------------------------------------------------------------------------


def test_it_runs_the_whole_path_from_intake_to_a_satisfied_follow_up_call(
    patient, front_desk, billing, manager, client_for
):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)
    desk, clerk, boss = client_for(front_desk), client_for(billing), client_for(manager)

    desk.post(intake_url(patient, invoice), intake_form(invoice))
    complaint = Complaint.objects.get()
    detail = reverse("disputes:complaint-detail", args=[complaint.pk])
    desk.post(reverse("disputes:complaint-met", args=[complaint.pk]))

    accepted = clerk.post(reverse("disputes:complaint-accept-proposal", args=[complaint.pk]), follow=True)
    assert accepted.redirect_chain == [(detail, 302)]
    adjustment = AdjustmentRequest.objects.get()
    assert (adjustment.kind, adjustment.amount, adjustment.requested_by) == ("write_off", Decimal("700.00"), billing)

    queue = boss.get(reverse("disputes:adjustment-queue")).content.decode()
    assert "Kari Nordmann" in queue and COMPLAINT_WORDS[:40] in queue
    approved = boss.post(reverse("disputes:adjustment-approve", args=[adjustment.pk]), {"note": "Agreed"}, follow=True)
    assert messages_of(approved) == [
        f"Approved: Write-off of the balance after insurance of {money(Decimal('700.00'))} posted to invoice "
        f"{invoice.number}."
    ]
    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("0.00")

    closing = {"outcome": "adjusted", "prevention_note": "Waiting times shown at the desk", "resolution_text": "Met"}
    preview = boss.post(reverse("disputes:complaint-close", args=[complaint.pk]), {**closing, "action": "preview"})
    assert preview.status_code == 200 and 'id="letter-preview"' in preview.content.decode()
    closed = boss.post(
        reverse("disputes:complaint-close", args=[complaint.pk]), {**closing, "action": "close"}, follow=True
    )
    assert closed.redirect_chain == [(detail, 302)]
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED

    letter = desk.get(reverse("disputes:complaint-letter", args=[complaint.pk]))
    assert letter.status_code == 200
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")

    call = FollowUpCall.objects.get()
    calls = desk.get(reverse("collections:call-list")).content.decode()
    assert f'id="call-{call.pk}"' in calls
    row = desk.post(
        reverse("collections:call-outcome", args=[call.pk]), {"outcome": "satisfied", "note": "Happy"}, headers=HTMX
    )
    assert "Call recorded: Satisfied." in row.content.decode()
    call.refresh_from_db()
    assert (call.outcome, call.completed_by, call.outcome_note) == ("satisfied", front_desk, "Happy")


# --- Approvals ---------------------------------------------------------------------------------------


def test_it_refuses_self_approval_with_a_message_and_posts_nothing(patient, manager, provider, client_for):
    adjustment = write_off_pending(patient, requested_by=manager)
    client = client_for(manager)
    assert "Your own request:" in client.get(reverse("disputes:adjustment-queue")).content.decode()
    response = client.post(reverse("disputes:adjustment-approve", args=[adjustment.pk]), follow=True)
    assert messages_of(response) == ["Nobody approves their own request: another colleague must decide it."]
    assert posted_adjustments() == 0
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentRequest.Status.PENDING


def test_it_shows_a_role_refusal_from_the_service(patient, front_desk, billing, manager, client_for):
    adjustment = write_off_pending(patient, requested_by=front_desk)  # only the office manager may approve
    response = client_for(billing).post(reverse("disputes:adjustment-approve", args=[adjustment.pk]), follow=True)
    assert messages_of(response) == ["Only the office manager may decide this request."]
    assert posted_adjustments() == 0


def test_it_rejects_only_with_a_note(patient, billing, manager, client_for):
    adjustment = write_off_pending(patient, requested_by=billing)
    client = client_for(manager)
    refused = client.post(reverse("disputes:adjustment-reject", args=[adjustment.pk]), {"note": " "}, follow=True)
    assert messages_of(refused) == ["Say why the request is rejected."]
    client.post(reverse("disputes:adjustment-reject", args=[adjustment.pk]), {"note": "Not a care issue"})
    adjustment.refresh_from_db()
    assert (adjustment.status, adjustment.decision_note) == ("rejected", "Not a care issue")
    assert posted_adjustments() == 0


@pytest.mark.parametrize("name", ["disputes:adjustment-approve", "disputes:adjustment-reject"])
def test_it_refuses_a_provider_in_the_queue(patient, billing, manager, provider, client_for, name):
    # The provider is the default deputy approver, needed only when nobody else may approve: here the manager may.
    adjustment = write_off_pending(patient, requested_by=billing)
    client = client_for(provider)
    assert client.get(reverse("disputes:adjustment-queue")).status_code == 403
    assert client.post(reverse(name, args=[adjustment.pk]), {"note": "x"}).status_code == 403
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentRequest.Status.PENDING


def test_it_hides_the_approvals_link_without_the_permission(front_desk, manager, client_for):
    assert reverse("disputes:adjustment-queue") in client_for(manager).get(reverse("frontdesk:home")).content.decode()
    assert (
        reverse("disputes:adjustment-queue")
        not in client_for(front_desk).get(reverse("frontdesk:home")).content.decode()
    )


# --- Complaint list ----------------------------------------------------------------------------------


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_it_lists_complaints_routed_to_my_role_by_deadline(patient, front_desk, billing, client_for):
    care = complaint_about(issued_invoice(patient), by=front_desk)  # to the provider
    error_late = complaint_about(issued_invoice(patient), by=front_desk, category="billing_error")
    error_soon = complaint_about(issued_invoice(patient), by=front_desk, category="billing_error")
    Complaint.objects.filter(pk=error_late.pk).update(meeting_due_at=timezone.now() + timedelta(days=30))
    client = client_for(billing)

    mine = client.get(reverse("disputes:complaint-list"))
    assert [complaint for complaint, _deadline in mine.context["rows"]] == [error_soon, error_late]
    everything = client.get(reverse("disputes:complaint-list"), {"show": "all"})
    assert care in [complaint for complaint, _deadline in everything.context["rows"]]


# The hours overdue are open hours (deadline_of): pinned to a Tuesday afternoon, all of them were open.
@time_machine.travel(datetime(2026, 12, 8, 14, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False)
def test_it_marks_overdue_complaints_on_the_list(patient, front_desk, billing, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="billing_error")
    Complaint.objects.filter(pk=complaint.pk).update(meeting_due_at=timezone.now() - timedelta(hours=2))
    page = client_for(billing).get(reverse("disputes:complaint-list")).content.decode()
    assert 'class="row-overdue"' in page
    assert "<strong>Overdue</strong> by 2 hours" in page


def test_it_leaves_closed_complaints_off_the_list(patient, front_desk, manager, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="invoice_question")
    services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="x", by=manager)
    response = client_for(manager).get(reverse("disputes:complaint-list"), {"show": "all"})
    assert response.context["rows"] == []


# --- Access ------------------------------------------------------------------------------------------


@pytest.fixture
def records(patient, billing, manager):
    """A complaint with a pending adjustment, and a closed one with its follow-up call."""
    adjustment = write_off_pending(patient, requested_by=billing)
    closed = complaint_about(issued_invoice(patient), by=billing, category="invoice_question")
    services.complaint_close(complaint_id=closed.pk, outcome="explained", prevention_note="Clearer", by=manager)
    return adjustment.complaint, closed, adjustment, FollowUpCall.objects.get()


def every_page(records) -> list[tuple[str, str]]:
    complaint, closed, adjustment, call = records
    patient = complaint.patient
    return [
        ("get", reverse("disputes:complaint-list")),
        ("get", intake_url(patient, complaint.invoice)),
        ("post", intake_url(patient, complaint.invoice)),
        ("get", f"{reverse('disputes:complaint-invoice-lines')}?patient={patient.pk}&invoice={complaint.invoice_id}"),
        ("get", reverse("disputes:complaint-detail", args=[complaint.pk])),
        ("post", reverse("disputes:complaint-met", args=[complaint.pk])),
        ("post", reverse("disputes:complaint-accept-proposal", args=[complaint.pk])),
        ("post", reverse("disputes:complaint-close", args=[complaint.pk])),
        ("get", reverse("disputes:complaint-letter", args=[closed.pk])),
        ("get", reverse("disputes:adjustment-queue")),
        ("post", reverse("disputes:adjustment-approve", args=[adjustment.pk])),
        ("post", reverse("disputes:adjustment-reject", args=[adjustment.pk])),
        ("get", reverse("collections:call-list")),
        ("post", reverse("collections:call-outcome", args=[call.pk])),
    ]


def test_it_refuses_every_page_to_a_patient_user(patient, records, client_for):
    client = client_for(patient.user)
    body = {**intake_form(records[0].invoice), "outcome": "satisfied", "prevention_note": "x", "note": "x"}
    for method, url in every_page(records):
        response = client.get(url) if method == "get" else client.post(url, body)
        assert response.status_code == 403, (method, url)
    assert Complaint.objects.count() == 2
    assert AdjustmentRequest.objects.get().status == AdjustmentRequest.Status.PENDING
    assert FollowUpCall.objects.get().completed_at is None


def test_it_sends_anonymous_users_to_login(records):
    for method, url in every_page(records):
        response = Client().get(url) if method == "get" else Client().post(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login"))


# --- Query counts ------------------------------------------------------------------------------------


def complaint_with(patient, count: int, *, manager) -> Complaint:
    """An open complaint with `count` disputed lines, rejected adjustment requests and status changes."""
    lines = [(f"L{n}", f"Service {n}", "1", "100.00", "patient") for n in range(count)]
    invoice = issued_invoice(patient, lines=lines)
    complaint = complaint_about(
        invoice, by=manager, category="billing_error", lines=invoice.lines.values_list("pk", flat=True)
    )
    for _ in range(count):
        adjustment = services.complaint_accept_proposal(complaint_id=complaint.pk, by=None)
        services.adjustment_reject(adjustment_id=adjustment.pk, by=manager, note="Not this time")
        ComplaintStatusChange.objects.create(
            complaint=complaint, from_status="open", to_status="open", changed_at=timezone.now(), changed_by=manager
        )
    return complaint


def test_it_shows_a_complaint_in_a_fixed_number_of_queries(patient, manager, client_for, django_assert_num_queries):
    small, large = complaint_with(patient, 1, manager=manager), complaint_with(patient, 10, manager=manager)
    client = client_for(manager)
    warm_content_types()
    for complaint in (small, large):
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 complaint with patient, invoice, decision, proxy and users, 5 lines, 6 adjustments with users,
        # 7 status changes with users, 8 follow-up calls, 9 insert the audit ACCESS entry,
        # 10 the patient's balance and 11 their open complaint for the account header
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        with django_assert_num_queries(12):
            response = client.get(reverse("disputes:complaint-detail", args=[complaint.pk]))
        assert len(response.context["adjustments"]) == complaint.adjustments.count()


def test_it_lists_complaints_in_a_fixed_number_of_queries(patient, manager, client_for, django_assert_num_queries):
    client = client_for(manager)
    for count in (1, 10):
        while Complaint.objects.count() < count:
            other = PatientFactory()
            complaint_about(issued_invoice(other), by=None, category="service_incident")
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 count of open complaints routed to the user's roles (paginator), 5 the page with patients and invoices
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(7):
            response = client.get(reverse("disputes:complaint-list"))
        assert len(response.context["rows"]) == count


def test_it_lists_the_approval_queue_in_a_fixed_number_of_queries(
    patient, billing, manager, client_for, django_assert_num_queries
):
    client = client_for(manager)
    for count in (1, 10):
        while AdjustmentRequest.objects.count() < count:
            write_off_pending(patient, requested_by=billing)
        # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
        # 4 the active policy's approval settings, 5 the active staff by role (who may approve what),
        # 6 count of pending requests (paginator), 7 the page with complaint, decision, invoice, patient, requester
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(9):
            response = client.get(reverse("disputes:adjustment-queue"))
        assert len(response.context["adjustments"]) == count
