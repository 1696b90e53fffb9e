"""What may this user do now (patient_collections.permissions): who may and who may not settle a notice whose
outcome is unknown, print the day's letters, and cancel (replace) a payment plan; and the pages, the API and
the services all give the same answer, so no button shows that then refuses."""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from clinic_billing.exceptions import PermissionDenied
from patient_collections import permissions, services
from patient_collections.models import Deferral, PaymentPlan, Reminder
from tests.factories import PatientFactory, issue

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 2, 4, 10, 0, tzinfo=OSLO)
STAFF = ("front_desk", "billing", "manager", "provider")


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def invoice(db):
    return issue(PatientFactory(preferred_channel="email", language="en"))


def notice(invoice, status: str, step: int = 1) -> Reminder:
    return Reminder.objects.create(invoice=invoice, step=step, notice_type="reminder", channel="email", status=status)


def who_may(request, refusal_of) -> dict[str, bool]:
    return {persona: refusal_of(request.getfixturevalue(persona)) is None for persona in STAFF}


# --- Settling a notice whose outcome is unknown ---------------------------------------------------------------


@pytest.mark.parametrize(
    "refusal",
    [permissions.reminder_confirm_sent_refusal, permissions.reminder_resend_refusal],
    ids=["confirm", "resend"],
)
def test_billing_and_the_office_manager_settle_an_uncertain_notice_and_nobody_else(request, invoice, refusal):
    uncertain = notice(invoice, Reminder.Status.UNCERTAIN)

    assert who_may(request, lambda user: refusal(user, uncertain)) == {
        "front_desk": False,
        "billing": True,
        "manager": True,
        "provider": False,
    }
    assert refusal(request.getfixturevalue("front_desk"), uncertain) == (
        "Only billing or the office manager settles a notice whose outcome is unknown."
    )
    assert refusal(request.getfixturevalue("patient").user, uncertain) is not None
    assert refusal(None, uncertain) is None  # the system


@pytest.mark.parametrize(
    ("refusal", "message"),
    [
        (permissions.reminder_confirm_sent_refusal, "Only a notice whose outcome is unknown can be confirmed as sent."),
        (permissions.reminder_resend_refusal, "Only a notice whose outcome is unknown can be sent again."),
    ],
    ids=["confirm", "resend"],
)
@pytest.mark.parametrize("status", ["queued", "sending", "to_print", "sent", "skipped"])
def test_nobody_settles_a_notice_whose_outcome_is_known(manager, invoice, refusal, message, status):
    assert refusal(manager, notice(invoice, status)) == message


def test_the_service_refuses_whom_the_function_refuses_and_changes_nothing(front_desk, invoice):
    uncertain = notice(invoice, Reminder.Status.UNCERTAIN)

    with pytest.raises(PermissionDenied, match="settles a notice whose outcome is unknown"):
        services.reminder_confirm_sent(reminder_id=uncertain.pk, by=front_desk)
    with pytest.raises(PermissionDenied):
        services.reminder_resend(reminder_id=uncertain.pk, by=front_desk)

    assert Reminder.objects.get(pk=uncertain.pk).status == Reminder.Status.UNCERTAIN


def test_the_calls_page_shows_the_buttons_only_to_whom_the_function_allows(invoice, billing, front_desk, client_for):
    uncertain = notice(invoice, Reminder.Status.UNCERTAIN)
    confirm = reverse("collections:reminder-confirm-sent", args=[uncertain.pk])
    resend = reverse("collections:reminder-resend", args=[uncertain.pk])

    billing_page = client_for(billing).get(reverse("collections:call-list")).content.decode()
    desk_page = client_for(front_desk).get(reverse("collections:call-list")).content.decode()

    assert confirm in billing_page and resend in billing_page
    assert confirm not in desk_page and resend not in desk_page
    assert "Billing decides" in desk_page


def test_the_reminder_api_says_which_actions_the_user_may_take(invoice, billing, front_desk, client_for):
    notice(invoice, Reminder.Status.UNCERTAIN, step=1)
    notice(invoice, Reminder.Status.SENT, step=2)
    url = f"/api/v1/reminders/?invoice={invoice.pk}"

    def actions(user) -> list[tuple[int, bool, bool]]:
        rows = client_for(user).get(url).json()
        return [(row["step"], row["can_confirm_sent"], row["can_resend"]) for row in rows]

    assert actions(billing) == [(1, True, True), (2, False, False)]
    assert actions(front_desk) == [(1, False, False), (2, False, False)]


# --- The print batch ----------------------------------------------------------------------------------------


def test_billing_and_the_office_manager_print_the_batch_and_nobody_else(request, patient):
    assert who_may(request, permissions.print_batch_refusal) == {
        "front_desk": False,
        "billing": True,
        "manager": True,
        "provider": False,
    }
    assert permissions.print_batch_refusal(patient.user) == "Billing prints the letters in today's batch."
    assert permissions.print_batch_refusal(None) is None


def test_the_print_service_refuses_whom_the_function_refuses(invoice, front_desk):
    letter = notice(invoice, Reminder.Status.TO_PRINT)
    Reminder.objects.filter(pk=letter.pk).update(channel="letter")

    with pytest.raises(PermissionDenied, match="Billing prints the letters"):
        services.reminders_record_printed(now=NOW, by=front_desk)

    assert Reminder.objects.get(pk=letter.pk).status == Reminder.Status.TO_PRINT


def test_the_print_page_offers_the_batch_only_to_whom_the_function_allows(invoice, billing, front_desk, client_for):
    letter = notice(invoice, Reminder.Status.TO_PRINT)
    Reminder.objects.filter(pk=letter.pk).update(channel="letter")
    record = reverse("collections:print-batch-record")

    assert record in client_for(billing).get(reverse("collections:print-batch")).content.decode()
    desk_page = html.unescape(client_for(front_desk).get(reverse("collections:print-batch")).content.decode())
    assert record not in desk_page
    assert "Billing prints them in today's batch." in desk_page
    assert client_for(front_desk).post(record).status_code == 403


# --- Cancelling or replacing a payment plan ----------------------------------------------------------------------


def test_staff_who_arrange_plans_may_cancel_one_being_kept_and_the_provider_may_not(request, invoice, patient):
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)

    assert who_may(request, lambda user: permissions.payment_plan_cancel_refusal(user, plan)) == {
        "front_desk": True,
        "billing": True,
        "manager": True,
        "provider": False,
    }
    assert permissions.payment_plan_cancel_refusal(patient.user, plan) == (
        "Only the front desk, billing or the office manager may cancel or replace a payment plan."
    )
    assert permissions.payment_plan_cancel_refusal(None, plan) is None


@pytest.mark.parametrize("status", ["completed", "broken", "cancelled"])
def test_nobody_cancels_a_plan_that_has_ended(manager, invoice, status):
    plan = PaymentPlan.objects.create(invoice=invoice, total="500.00", paid_before="0.00", status=status)
    label = PaymentPlan.Status(status).label.lower()

    assert permissions.payment_plan_cancel_refusal(manager, plan) == (
        f"A payment plan that is {label} cannot become cancelled."
    )


def test_a_running_deferral_is_replaced_by_whoever_may_make_the_new_arrangement(provider, invoice):
    deferral = Deferral.objects.create(invoice=invoice, until=NOW.date() + timedelta(days=10))

    assert permissions.arrangement_replace_refusal(provider, deferral) is None
    assert permissions.arrangement_replace_refusal(provider, None) is None


def test_the_service_refuses_to_replace_a_plan_for_whom_the_function_refuses(invoice, provider):
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)

    with pytest.raises(PermissionDenied, match="may cancel or replace a payment plan"):
        services.deferral_create(
            invoice_id=invoice.pk, until=NOW.date() + timedelta(days=20), replace_arrangement=True, by=provider
        )

    assert PaymentPlan.objects.get(pk=plan.pk).status == PaymentPlan.Status.ACTIVE
    assert not Deferral.objects.exists()


def test_the_invoice_page_offers_to_replace_a_kept_plan_in_both_forms(invoice, billing, client_for):
    services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)

    page = html.unescape(
        client_for(billing).get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    )

    # Before, the plan form was hidden and the deferral form had no checkbox: sending it was refused.
    assert "Replace the payment plan" in page
    assert page.count('name="replace_arrangement"') == 2
    assert 'id="plan_replace_arrangement"' in page and 'id="deferral_replace_arrangement"' in page
    assert page.count("Replace the current payment plan") == 2


def test_the_plan_api_says_whether_the_user_may_cancel_the_plan(invoice, billing, provider, client_for):
    services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    url = f"/api/v1/payment-plans/?invoice={invoice.pk}"

    assert [plan["can_cancel"] for plan in client_for(billing).get(url).json()] == [True]
    PaymentPlan.objects.update(status=PaymentPlan.Status.BROKEN)
    assert [plan["can_cancel"] for plan in client_for(billing).get(url).json()] == [False]
    assert client_for(provider).get(url).status_code == 403  # a provider does not read plans at all
