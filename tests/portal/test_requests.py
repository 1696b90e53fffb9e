"""What a patient asks of the clinic in the portal: disputes, can't-pay, callbacks, contact, messages."""

import html
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from disputes import services as dispute_services
from disputes.models import Complaint
from invoices.templatetags.money import local_date
from patient_collections.models import Deferral, FollowUpCall, PaymentPlan, PortalMessage
from patient_collections.services import MAX_DEFERRAL_DAYS
from portal import services
from tests.factories import ProxyFactory, issued_invoice

pytestmark = pytest.mark.django_db

LARGE_BILL = [("GP1", "Consultation", "1", "2400.00", "patient")]
HUGE_BILL = [("OP1", "Minor surgery", "1", "9000.00", "patient")]


@pytest.fixture(autouse=True)
def _english(patient, other_patient):
    """Pages follow the patient's language; these tests read the English text."""
    for person in (patient, other_patient):
        person.language = "en"
        person.save(update_fields=["language"])


@pytest.fixture
def invoice(patient):
    return issued_invoice(patient)


@pytest.fixture
def patient_client(client_for, patient) -> Client:
    return client_for(patient.user)


def url(name: str, **kwargs: int) -> str:
    return reverse(name, kwargs=kwargs)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


# --- Tell us what is wrong ---------------------------------------------------------------------------


def test_it_files_a_portal_complaint_about_one_line(patient_client, patient, invoice):
    line = invoice.lines.get(code="MAT")
    response = patient_client.post(
        url("portal:portal-dispute", patient_id=patient.pk, invoice_id=invoice.pk),
        {"lines": [str(line.pk)], "category": "billing_error", "description": "I never got any dressing."},
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("portal:portal-dispute-sent", patient_id=patient.pk, complaint_id=complaint.pk)
    assert complaint.channel == "portal"
    assert list(complaint.lines.all()) == [line]
    assert complaint.description == "I never got any dressing."
    assert complaint.category == "billing_error"
    assert complaint.proxy is None


def test_it_tells_the_patient_who_will_contact_them_and_by_when_without_the_script(patient_client, patient, invoice):
    patient_client.post(
        url("portal:portal-dispute", patient_id=patient.pk, invoice_id=invoice.pk),
        {"lines": ["all"], "category": "billing_error", "description": "The total is wrong."},
    )
    complaint = Complaint.objects.select_related("decision").get()
    decision = complaint.decision

    response = patient_client.get(url("portal:portal-dispute-sent", patient_id=patient.pk, complaint_id=complaint.pk))

    text = page_text(response)
    assert response.status_code == 200
    assert complaint.lines.count() == 0  # the whole bill
    assert "What happens next" in text
    assert "Someone from billing will contact you" in text
    due = timezone.localtime(complaint.meeting_due_at)
    with translation.override("en"):
        assert local_date(due.date()) in text or "today" in text
    assert due.strftime("%H:%M") in text
    assert "reminders" in text
    assert decision.script and decision.script not in text
    assert decision.rule_name not in text
    for note in decision.notes:
        assert note not in text


def test_it_keeps_the_input_and_shows_the_error_summary_when_something_is_missing(patient_client, patient, invoice):
    response = patient_client.post(
        url("portal:portal-dispute", patient_id=patient.pk, invoice_id=invoice.pk),
        {"lines": ["all"], "category": "", "description": "Please check this."},
    )

    text = page_text(response)
    assert response.status_code == 200
    assert 'id="error-summary"' in text
    assert 'href="#id_category_0"' in text
    assert "Choose what it is about." in text
    assert "Please check this." in text
    assert Complaint.objects.count() == 0


def test_it_answers_404_and_files_nothing_for_another_patients_invoice(patient_client, patient, other_patient):
    other_invoice = issued_invoice(other_patient)
    data = {"lines": ["all"], "category": "billing_error", "description": "Not mine."}

    for patient_id in (patient.pk, other_patient.pk):
        response = patient_client.post(
            url("portal:portal-dispute", patient_id=patient_id, invoice_id=other_invoice.pk), data
        )
        assert response.status_code == 404
    assert Complaint.objects.count() == 0


def test_it_lets_a_proxy_dispute_for_the_granted_patient(client_for, patient, proxy, invoice):
    response = client_for(proxy.user).post(
        url("portal:portal-dispute", patient_id=patient.pk, invoice_id=invoice.pk),
        {"lines": ["all"], "category": "invoice_question", "description": "My mother asks what this is."},
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.patient == patient
    assert complaint.proxy == proxy
    assert complaint.received_by == proxy.user


def test_it_lists_complaints_with_their_status_in_words(patient_client, patient, invoice):
    complaint = dispute_services.complaint_file(
        patient_id=patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="portal",
        category="billing_error",
        description="Wrong amount.",
        by=patient.user,
    )

    listing = patient_client.get(url("portal:portal-complaints", patient_id=patient.pk))
    detail = patient_client.get(url("portal:portal-complaint", patient_id=patient.pk, complaint_id=complaint.pk))

    assert "We are looking at it" in page_text(listing)
    assert "We are looking at it" in page_text(detail)
    assert "Wrong amount." in page_text(detail)
    assert "Download our letter" not in page_text(detail)


def test_it_offers_the_resolution_letter_once_the_complaint_is_closed(patient_client, patient, invoice, billing):
    complaint = dispute_services.complaint_file(
        patient_id=patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="portal",
        category="billing_error",
        description="Wrong amount.",
        by=patient.user,
    )
    letter_url = url("portal:portal-complaint-letter", patient_id=patient.pk, complaint_id=complaint.pk)
    assert patient_client.get(letter_url).status_code == 404

    dispute_services.complaint_close(
        complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer bills.", by=billing
    )
    detail = patient_client.get(url("portal:portal-complaint", patient_id=patient.pk, complaint_id=complaint.pk))
    letter = patient_client.get(letter_url)

    assert "Finished" in page_text(detail)
    assert letter_url in page_text(detail)
    assert letter.status_code == 200
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")


# --- Can't pay now -----------------------------------------------------------------------------------


def test_it_sends_the_patient_to_the_option_they_choose(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)
    response = patient_client.post(
        url("portal:portal-cannot-pay", patient_id=patient.pk, invoice_id=invoice.pk), {"option": "later"}
    )

    assert response["Location"] == url("portal:portal-cannot-pay-later", patient_id=patient.pk, invoice_id=invoice.pk)


def test_it_previews_the_schedule_before_anything_is_saved(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)
    plan_url = url("portal:portal-cannot-pay-plan", patient_id=patient.pk, invoice_id=invoice.pk)
    key = patient_client.get(plan_url).context["form"].initial["request_key"]

    response = patient_client.post(plan_url, {"monthly_amount": "300", "request_key": key, "action": "preview"})

    assert response.status_code == 200
    assert response.context["preview"].months == 8
    assert "Confirm this plan" in page_text(response)
    assert PaymentPlan.objects.count() == 0


def test_it_sets_up_a_plan_within_the_limits(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)
    response = patient_client.post(
        url("portal:portal-cannot-pay-plan", patient_id=patient.pk, invoice_id=invoice.pk),
        {"monthly_amount": "300", "request_key": "a" * 32, "action": "confirm"},
    )

    plan = PaymentPlan.objects.get(invoice=invoice)
    assert response["Location"] == url("portal:portal-payment-plan", patient_id=patient.pk, invoice_id=invoice.pk)
    assert [i.amount for i in plan.instalments.order_by("number")] == [Decimal("300.00")] * 8
    assert plan.created_by == patient.user
    assert FollowUpCall.objects.count() == 0
    page = patient_client.get(response["Location"])
    assert page.status_code == 200
    assert "What happens next" in page_text(page)


@pytest.mark.parametrize(("bill", "monthly"), [(LARGE_BILL, "100"), (HUGE_BILL, "210")])
def test_it_turns_a_plan_outside_the_limits_into_a_request_for_billing(patient_client, patient, bill, monthly):
    invoice = issued_invoice(patient, lines=bill)
    response = patient_client.post(
        url("portal:portal-cannot-pay-plan", patient_id=patient.pk, invoice_id=invoice.pk),
        {"monthly_amount": monthly, "request_key": "b" * 32, "action": "confirm"},
        follow=True,
    )

    call = FollowUpCall.objects.get()
    assert PaymentPlan.objects.count() == 0
    assert call.reason == FollowUpCall.Reason.CALLBACK_REQUEST
    assert call.role == "billing"
    assert call.invoice == invoice
    assert monthly in call.request_note
    assert "we have asked our billing team" in page_text(response)
    assert "We have your request" in page_text(response)


def test_it_refuses_an_amount_that_pays_the_whole_bill_at_once(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)
    response = patient_client.post(
        url("portal:portal-cannot-pay-plan", patient_id=patient.pk, invoice_id=invoice.pk),
        {"monthly_amount": "2400", "request_key": "c" * 32, "action": "confirm"},
    )

    assert response.status_code == 200
    assert 'href="#id_monthly_amount"' in page_text(response)
    assert PaymentPlan.objects.count() == FollowUpCall.objects.count() == 0


def test_it_defers_the_bill_to_a_date_within_the_limit(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)
    until = timezone.localdate() + timedelta(days=30)
    response = patient_client.post(
        url("portal:portal-cannot-pay-later", patient_id=patient.pk, invoice_id=invoice.pk),
        {"until": until.isoformat(), "request_key": "d" * 32},
    )

    assert response["Location"] == url("portal:portal-deferral", patient_id=patient.pk, invoice_id=invoice.pk)
    assert Deferral.objects.get(invoice=invoice).until == until
    assert FollowUpCall.objects.count() == 0
    assert patient_client.get(response["Location"]).status_code == 200


def test_it_turns_a_date_too_far_ahead_into_a_request_for_billing(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)
    until = timezone.localdate() + timedelta(days=MAX_DEFERRAL_DAYS + 10)
    response = patient_client.post(
        url("portal:portal-cannot-pay-later", patient_id=patient.pk, invoice_id=invoice.pk),
        {"until": until.isoformat(), "request_key": "e" * 32},
        follow=True,
    )

    call = FollowUpCall.objects.get()
    assert Deferral.objects.count() == 0
    assert call.reason == FollowUpCall.Reason.CALLBACK_REQUEST
    assert until.isoformat() in call.request_note
    assert "we have asked our billing team" in page_text(response)


def test_it_asks_for_a_date_after_today(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)
    response = patient_client.post(
        url("portal:portal-cannot-pay-later", patient_id=patient.pk, invoice_id=invoice.pk),
        {"until": timezone.localdate().isoformat(), "request_key": "f" * 32},
    )

    assert 'href="#id_until"' in page_text(response)
    assert Deferral.objects.count() == FollowUpCall.objects.count() == 0


# --- Call me back ------------------------------------------------------------------------------------


def test_it_records_a_callback_request_with_the_chosen_time_and_channel(patient_client, patient):
    data = {
        "preferred_time": "evening",
        "days": "Tuesdays",
        "preferred_channel": "sms",
        "request_note": "Can I split the bill from November?",
        "request_key": "1" * 32,
    }
    response = patient_client.post(url("portal:portal-callback", patient_id=patient.pk), data, follow=True)
    patient_client.post(url("portal:portal-callback", patient_id=patient.pk), data)  # sent twice: one request

    call = FollowUpCall.objects.get()
    assert call.patient == patient
    assert call.reason == FollowUpCall.Reason.CALLBACK_REQUEST
    assert call.preferred_time == "evening; Tuesdays"
    assert call.preferred_channel == "sms"
    assert call.request_note == "Can I split the bill from November?"
    assert call.role == "billing"
    assert "send you a text message" in page_text(response)


def test_it_refuses_a_channel_we_cannot_reach_them_on(patient_client, patient):
    patient.email = ""
    patient.save(update_fields=["email"])
    response = patient_client.post(
        url("portal:portal-callback", patient_id=patient.pk),
        {"preferred_time": "morning", "preferred_channel": "email", "request_note": "Hi", "request_key": "2" * 32},
    )

    assert 'href="#id_preferred_channel_0"' in page_text(response)
    assert FollowUpCall.objects.count() == 0


@pytest.mark.parametrize(
    ("local_now", "expected"),
    [
        (datetime(2026, 11, 25, 10, 30), datetime(2026, 11, 25, 10, 30)),  # Wednesday, office open: now
        (datetime(2026, 11, 25, 7, 0), datetime(2026, 11, 25, 9, 0)),  # before opening: 09:00 today
        (datetime(2026, 11, 25, 17, 0), datetime(2026, 11, 26, 9, 0)),  # after closing: tomorrow 09:00
        (datetime(2026, 11, 27, 18, 0), datetime(2026, 11, 30, 9, 0)),  # Friday evening: Monday 09:00
        (datetime(2026, 11, 28, 12, 0), datetime(2026, 11, 30, 9, 0)),  # Saturday: Monday 09:00
    ],
)
def test_it_makes_a_callback_due_on_the_next_working_morning(settings, local_now, expected):
    zone = ZoneInfo(settings.TIME_ZONE)
    due = services.callback_due_at(local_now.replace(tzinfo=zone))

    assert timezone.localtime(due).replace(tzinfo=None) == expected


# --- How we contact you ------------------------------------------------------------------------------


def contact_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "preferred_channel": "email",
        "email": "kari@example.org",
        "phone": "+47 400 00 000",
        "address_line": "",
        "postal_code": "",
        "city": "",
        "language": "en",
        "opt_out_sms": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_it_saves_contact_preferences_and_audits_the_change(patient_client, patient):
    response = patient_client.post(url("portal:portal-contact", patient_id=patient.pk), contact_data())

    patient.refresh_from_db()
    assert response.status_code == 302
    assert patient.preferred_channel == "email"
    assert patient.email == "kari@example.org"
    assert patient.opt_out_sms is True
    entry = LogEntry.objects.get_for_object(patient).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == patient.user


def test_it_shows_the_field_the_contact_service_refuses(patient_client, patient):
    response = patient_client.post(url("portal:portal-contact", patient_id=patient.pk), contact_data(email=""))

    text = page_text(response)
    patient.refresh_from_db()
    assert response.status_code == 200
    assert 'id="error-summary"' in text
    assert 'href="#id_email"' in text
    assert "Email is the preferred channel, so an email address is needed." in text
    assert 'aria-invalid="true"' in text
    assert patient.preferred_channel != "email" or patient.email


def test_it_shows_a_proxy_the_contact_page_read_only(client_for, patient, proxy):
    proxy_client = client_for(proxy.user)
    page = proxy_client.get(url("portal:portal-contact", patient_id=patient.pk))
    refused = proxy_client.post(
        url("portal:portal-contact", patient_id=patient.pk), contact_data(email="proxy@example.org")
    )

    patient.refresh_from_db()
    assert page.status_code == 200
    assert "Only Kari Nordmann can change how we contact them" in page_text(page)
    assert '<form method="post" novalidate' not in page_text(page)
    assert refused.status_code == 403
    assert patient.email != "proxy@example.org"


# --- Messages ----------------------------------------------------------------------------------------


def test_it_lists_messages_and_marks_one_read_when_opened(patient_client, patient):
    message = PortalMessage.objects.create(patient=patient, subject="Reminder for bill 2026-1", body="Please pay.")

    listing = patient_client.get(url("portal:portal-messages", patient_id=patient.pk))
    opened = patient_client.get(url("portal:portal-message", patient_id=patient.pk, message_id=message.pk))

    message.refresh_from_db()
    assert "Reminder for bill 2026-1" in page_text(listing)
    assert "New" in page_text(listing)
    assert opened.status_code == 200
    assert "Please pay." in page_text(opened)
    assert message.read_at is not None
    relisted = patient_client.get(url("portal:portal-messages", patient_id=patient.pk))
    assert ">New<" not in relisted.content.decode()


def test_it_lists_complaints_and_messages_in_a_fixed_number_of_queries(patient_client, patient):
    def add_one() -> None:
        invoice = issued_invoice(patient)
        dispute_services.complaint_file(
            patient_id=patient.pk,
            invoice_id=invoice.pk,
            line_ids=[],
            channel="portal",
            category="invoice_question",
            description="What is this?",
            by=patient.user,
        )
        PortalMessage.objects.create(patient=patient, subject="Reminder", body="Please pay.")

    def queries(name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert patient_client.get(url(name, patient_id=patient.pk)).status_code == 200
        return len(captured)

    add_one()
    few = {name: queries(name) for name in ("portal:portal-complaints", "portal:portal-messages")}
    for _ in range(4):
        add_one()
    many = {name: queries(name) for name in ("portal:portal-complaints", "portal:portal-messages")}

    assert many == few


# --- Nobody sees another patient's things ------------------------------------------------------------


@pytest.fixture
def other_things(other_patient, billing):
    invoice = issued_invoice(other_patient)
    complaint = dispute_services.complaint_file(
        patient_id=other_patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="desk",
        category="billing_error",
        description="Not yours to read.",
        by=billing,
    )
    message = PortalMessage.objects.create(patient=other_patient, subject="Private", body="Private")
    call = services.callback_request_create(patient_id=other_patient.pk, request_key="9" * 32, request_note="Call me")
    grant = ProxyFactory(patient=other_patient)
    return {"invoice": invoice, "complaint": complaint, "message": message, "call": call, "grant": grant}


def other_patient_urls(patient, other_patient, things) -> list[str]:
    """Every route this module adds, with another patient's ids (and with the user's own patient id
    paired with the other patient's objects)."""
    invoice_id, complaint_id = things["invoice"].pk, things["complaint"].pk
    urls = []
    for patient_id in (other_patient.pk, patient.pk):
        urls += [
            url("portal:portal-dispute", patient_id=patient_id, invoice_id=invoice_id),
            url("portal:portal-complaint", patient_id=patient_id, complaint_id=complaint_id),
            url("portal:portal-dispute-sent", patient_id=patient_id, complaint_id=complaint_id),
            url("portal:portal-complaint-letter", patient_id=patient_id, complaint_id=complaint_id),
            url("portal:portal-cannot-pay", patient_id=patient_id, invoice_id=invoice_id),
            url("portal:portal-cannot-pay-plan", patient_id=patient_id, invoice_id=invoice_id),
            url("portal:portal-cannot-pay-later", patient_id=patient_id, invoice_id=invoice_id),
            url("portal:portal-payment-plan", patient_id=patient_id, invoice_id=invoice_id),
            url("portal:portal-deferral", patient_id=patient_id, invoice_id=invoice_id),
            url("portal:portal-request-sent", patient_id=patient_id, request_id=things["call"].pk),
            url("portal:portal-message", patient_id=patient_id, message_id=things["message"].pk),
            url("portal:portal-proxy-revoke", patient_id=patient_id, proxy_id=things["grant"].pk),
        ]
    urls += [
        url(name, patient_id=other_patient.pk)
        for name in (
            "portal:portal-complaints",
            "portal:portal-callback",
            "portal:portal-contact",
            "portal:portal-proxies",
            "portal:portal-proxy-grant",
            "portal:portal-messages",
        )
    ]
    return urls


def test_it_answers_404_for_every_route_with_another_patients_ids(patient_client, patient, other_patient, other_things):
    for address in other_patient_urls(patient, other_patient, other_things):
        assert patient_client.get(address).status_code == 404, address
        assert patient_client.post(address, {"request_key": "8" * 32}).status_code in (404, 405), address

    other_things["message"].refresh_from_db()
    other_things["grant"].refresh_from_db()
    assert other_things["message"].read_at is None
    assert other_things["grant"].revoked_at is None
    assert FollowUpCall.objects.count() == 1
    assert Complaint.objects.count() == 1


def test_it_answers_404_to_a_proxy_for_patients_not_granted(client_for, proxy, other_patient, other_things):
    proxy_client = client_for(proxy.user)
    for address in other_patient_urls(proxy.patient, other_patient, other_things):
        assert proxy_client.get(address).status_code == 404, address


def test_it_refuses_a_deferral_to_the_year_9999_on_the_field(patient_client, patient):
    invoice = issued_invoice(patient, lines=LARGE_BILL)

    response = patient_client.post(
        url("portal:portal-cannot-pay-later", patient_id=patient.pk, invoice_id=invoice.pk),
        {"until": "9999-12-31", "request_key": "e" * 32},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["until"] == ["Give a date between 1900-01-01 and 2199-12-31."]
    assert Deferral.objects.count() == FollowUpCall.objects.count() == 0
