"""Payment plans, deferrals, instalments and escalation cases, through the services."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from clinic_billing.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from disputes.services import adjustment_approve, complaint_file
from invoices import services as invoice_services
from patient_collections import services
from patient_collections.models import CollectionCase, FollowUpCall, Instalment, PaymentPlan, Reminder
from tests.factories import draft_invoice

pytestmark = pytest.mark.django_db

LINES = [("GP1", "Consultation", "1", "1000.00", "patient")]


def owed_invoice(patient, day=None):
    invoice = draft_invoice(patient, lines=LINES)
    return invoice_services.invoice_issue(invoice_id=invoice.pk, by=None, today=day)


def test_it_splits_a_plan_into_equal_instalments_that_add_up(patient, billing):
    invoice = owed_invoice(patient)
    invoice_services.payment_record(invoice_id=invoice.pk, amount="0.01", payer="patient", method="card", by=None)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=3, by=billing)
    amounts = list(plan.instalments.values_list("amount", flat=True))
    assert amounts == [Decimal("333.33"), Decimal("333.33"), Decimal("333.33")]
    assert sum(amounts) == Decimal("999.99") == plan.total


def test_it_builds_a_plan_from_a_monthly_amount(patient, billing):
    plan = services.payment_plan_create(invoice_id=owed_invoice(patient).pk, monthly_amount="300.00", by=billing)
    assert list(plan.instalments.values_list("amount", flat=True)) == [Decimal("300.00")] * 3 + [Decimal("100.00")]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "instalments"),
        ({"instalments": 3, "monthly_amount": "100.00"}, "instalments"),
        ({"instalments": 1}, "instalments"),
        ({"instalments": 37}, "instalments"),
        ({"monthly_amount": "10.00"}, "instalments"),
        ({"monthly_amount": "-5.00"}, "monthly_amount"),
        ({"monthly_amount": "10.005"}, "monthly_amount"),
        ({"instalments": 3, "first_due": date(2020, 1, 1)}, "first_due"),
    ],
)
def test_it_refuses_a_plan_that_does_not_fit(patient, kwargs, field):
    invoice = owed_invoice(patient)
    with pytest.raises(ApplicationError) as error:
        services.payment_plan_create(invoice_id=invoice.pk, by=None, **kwargs)
    assert error.value.field == field
    assert not PaymentPlan.objects.exists()


def test_it_refuses_a_second_plan_and_a_plan_for_a_draft(patient):
    invoice = owed_invoice(patient)
    services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    with pytest.raises(InvalidTransition):
        services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    with pytest.raises(InvalidTransition):
        services.payment_plan_create(invoice_id=draft_invoice(patient).pk, instalments=2, by=None)


@pytest.mark.parametrize("days", [0, -3, 181])
def test_it_refuses_a_deferral_into_the_past_or_too_far(patient, days):
    with pytest.raises(ApplicationError) as error:
        services.deferral_create(
            invoice_id=owed_invoice(patient).pk, until=timezone.localdate() + timedelta(days=days), by=None
        )
    assert error.value.field == "until"


def test_a_kept_plan_pauses_reminders_and_completes_itself(patient):
    today = timezone.localdate()
    invoice = owed_invoice(patient, day=today - timedelta(days=40))
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, first_due=today, by=None)
    assert services.reminders_sweep(today=today, enqueue=False).reminder_ids == []
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="bank", by=None)
    assert services.instalments_sweep(today=today + timedelta(days=1), enqueue=False) == 0
    assert plan.instalments.get(number=1).status == Instalment.Status.PAID
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="bank", by=None)
    services.instalments_sweep(today=today + timedelta(days=40), enqueue=False)
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED


def test_a_missed_instalment_creates_a_call_and_a_reminder_once(patient):
    today = timezone.localdate()
    invoice = owed_invoice(patient, day=today - timedelta(days=40))
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, first_due=today, by=None)
    assert services.instalments_sweep(today=today + timedelta(days=1), enqueue=False) == 1
    assert services.instalments_sweep(today=today + timedelta(days=2), enqueue=False) == 0
    assert FollowUpCall.objects.filter(invoice=invoice, reason="missed_instalment").count() == 1
    reminder = Reminder.objects.get(invoice=invoice)
    assert reminder.step == services.INSTALMENT_STEPS + 1
    sent = services.reminder_send(reminder_id=reminder.pk)
    assert sent.status == Reminder.Status.SENT  # the plan pauses the schedule, not its own reminder
    assert plan.instalments.get(number=1).status == Instalment.Status.MISSED


def proposed_case(patient):
    invoice = owed_invoice(patient)
    return CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)


def test_the_manager_credits_a_claim_and_nothing_is_owed_once_the_deputy_approves(patient, manager, provider):
    case = proposed_case(patient)
    services.collection_case_decide(case_id=case.pk, decision="credited", note="small claim", by=manager)
    adjustment_approve(adjustment_id=case.credit_requests.get().pk, by=provider)
    case.invoice.refresh_from_db()
    assert case.invoice.patient_due == Decimal("0.00")
    assert case.invoice.entries.filter(kind="write_off").exists()  # above the small-claim threshold


def test_only_the_manager_decides_a_case(patient, billing):
    case = proposed_case(patient)
    with pytest.raises(PermissionDenied):
        services.collection_case_decide(case_id=case.pk, decision="agency", by=billing)


@time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Europe/Oslo")), tick=False)
def test_a_disputed_claim_never_goes_to_an_agency(patient, manager):
    case = proposed_case(patient)
    complaint_file(
        patient_id=patient.pk,
        invoice_id=case.invoice_id,
        line_ids=[],
        channel="letter",
        category="billing_error",
        description="I was charged twice.",
        by=None,
    )
    with pytest.raises(InvalidTransition):
        services.collection_case_decide(case_id=case.pk, decision="agency", by=manager)
    services.conciliation_notice_record(case_id=case.pk, by=manager)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        services.collection_case_decide(case_id=case.pk, decision="conciliation", by=manager)
    case.refresh_from_db()
    assert case.status == "conciliation"


def test_a_case_is_decided_once(patient, manager):
    case = proposed_case(patient)
    services.collection_case_decide(case_id=case.pk, decision="agency", by=manager)
    with pytest.raises(InvalidTransition):
        services.collection_case_decide(case_id=case.pk, decision="credited", by=manager)
