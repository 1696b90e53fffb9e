"""Time-travel through the reminder schedule of each jurisdiction, with its pauses, through the services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from disputes.services import complaint_file
from invoices import services as invoice_services
from patient_collections import schedule, services
from patient_collections.models import CollectionCase, FollowUpCall, PortalMessage, Reminder
from patient_collections.services import sweep
from tests.factories import ISSUED, PatientFactory, at, draft_invoice, issue, run_day

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]


def test_norway_reminder_then_fee_reminder_then_inkassovarsel_then_a_case(letter_patient):
    invoice = issue(letter_patient)
    due = invoice.due_date
    assert run_day(due) == []
    first = run_day(due + timedelta(days=1))
    assert [(r.step, r.status, r.channel, r.fee) for r in first] == [(1, "sent", "email", Decimal("0.00"))]
    assert "Consultation" in mail.outbox[0].body and invoice.payment_reference in mail.outbox[0].body
    assert run_day(due + timedelta(days=15)) == []  # the first notice's 14-day deadline still runs
    second = run_day(due + timedelta(days=16))
    assert [(r.step, r.fee) for r in second] == [(2, Decimal("35.00"))]
    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("535.00")
    assert invoice.entries.filter(kind="reminder_fee", amount=Decimal("35.00")).count() == 1
    final = run_day(due + timedelta(days=31))
    assert [(r.step, r.notice_type, r.channel) for r in final] == [(3, "final_notice", "letter")]
    assert run_day(due + timedelta(days=45)) == []
    assert not CollectionCase.objects.exists()
    run_day(due + timedelta(days=46))
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.status, case.amount) == ("proposed", Decimal("570.00"))
    assert invoice_services.ledger_verify(invoice_ids=[invoice.pk]) == []


def test_a_repeated_sweep_or_send_never_sends_twice(letter_patient):
    invoice = issue(letter_patient)
    day = invoice.due_date + timedelta(days=1)
    run_day(day)
    run_day(day)
    reminder = Reminder.objects.get(invoice=invoice)
    services.reminder_send(reminder_id=reminder.pk, now=at(day))
    assert Reminder.objects.filter(invoice=invoice).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("jurisdiction", "first_day", "steps"),
    [("US", 30, [(30, 1), (61, 2), (92, 3)]), ("FR", 15, [(15, 1), (31, 2), (47, 3)])],
)
def test_other_profiles_follow_their_own_schedule(settings, letter_patient, jurisdiction, first_day, steps):
    settings.BILLING_JURISDICTION = jurisdiction
    invoice = issue(letter_patient)
    due = invoice.due_date
    assert run_day(due + timedelta(days=first_day - 1)) == []
    for days, step in steps:
        sent = run_day(due + timedelta(days=days))
        assert [(r.step, r.fee) for r in sent] == [(step, Decimal("0.00"))]
    assert not invoice.entries.filter(kind="reminder_fee").exists()


def test_an_open_complaint_pauses_reminders_until_it_is_closed(letter_patient):
    from disputes.services import complaint_close

    invoice = issue(letter_patient)
    complaint = complaint_file(
        patient_id=letter_patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="phone",
        category="invoice_question",
        description="What is this for?",
        by=None,
    )
    assert run_day(invoice.due_date + timedelta(days=5)) == []
    complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer invoice text", by=None)
    assert [r.step for r in run_day(invoice.due_date + timedelta(days=6))] == [1]


def test_a_deferral_pauses_reminders_until_its_date(letter_patient):
    today = timezone.localdate()
    invoice = issue(letter_patient, day=today - timedelta(days=30))
    services.deferral_create(invoice_id=invoice.pk, until=today + timedelta(days=10), reason="salary", by=None)
    assert run_day(today) == []
    assert [r.step for r in run_day(today + timedelta(days=11))] == [1]


def test_pending_insurance_pauses_reminders(letter_patient):
    invoice = draft_invoice(letter_patient)  # one insurer line: insurance pending
    invoice = invoice_services.invoice_issue(invoice_id=invoice.pk, by=None, today=ISSUED)
    assert run_day(invoice.due_date + timedelta(days=3)) == []
    invoice_services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)
    assert [r.step for r in run_day(invoice.due_date + timedelta(days=3))] == [1]


def test_a_paid_invoice_gets_no_reminder(letter_patient):
    invoice = issue(letter_patient)
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=None)
    assert run_day(invoice.due_date + timedelta(days=3)) == []


def test_a_notice_queued_before_payment_is_skipped_with_the_reason(letter_patient):
    invoice = issue(letter_patient)
    day = invoice.due_date + timedelta(days=1)
    result = services.reminders_sweep(today=day, enqueue=False)
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=None)
    reminder = services.reminder_send(reminder_id=result.reminder_ids[0], now=at(day))
    assert (reminder.status, reminder.skip_reason) == ("skipped", "paid before the notice went out")


def test_an_opted_out_channel_is_not_used(letter_patient):
    letter_patient.preferred_channel = "sms"
    letter_patient.opt_out_sms = True
    letter_patient.save()
    invoice = issue(letter_patient)
    [reminder] = run_day(invoice.due_date + timedelta(days=1))
    assert reminder.channel == "email"


def test_sms_waits_for_the_contact_hours(letter_patient):
    letter_patient.preferred_channel = "sms"
    letter_patient.save()
    invoice = issue(letter_patient)
    day = invoice.due_date + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    [night] = run_day(day, hour=23)
    assert night.status == "queued"
    [morning] = run_day(day + timedelta(days=1), hour=9)
    assert (morning.pk, morning.status, morning.channel) == (night.pk, "sent", "sms")


def test_portal_and_phone_channels(letter_patient, patient):
    patient.preferred_channel = "portal"
    patient.save()
    portal_invoice = issue(patient)
    letter_patient.preferred_channel = "phone"
    letter_patient.save()
    phone_invoice = issue(letter_patient)
    day = portal_invoice.due_date + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    run_day(day)
    assert PortalMessage.objects.filter(patient=patient).count() == 1
    assert FollowUpCall.objects.filter(invoice=phone_invoice, reason="overdue_account").exists()


def test_the_sweep_runs_a_fixed_number_of_queries_per_batch(letter_patient, django_assert_num_queries):
    for _ in range(3):
        issue(letter_patient)
    day = date(2026, 2, 1)
    # 1. schedule steps  2. fee rate  3. savepoint  4. invoices (locked)  5. their reminders  6. insert reminders
    # 7. queued ids  8. release savepoint (an insert of proposed cases joins when there are any)
    with django_assert_num_queries(8):
        services.reminders_sweep_batch(today=day, enqueue=False)
    for _ in range(12):
        issue(letter_patient)
    # The first three notices still wait (nothing sent them): they are queued already, so nothing more (their
    # deadline is set when they go out).
    with django_assert_num_queries(8):
        services.reminders_sweep_batch(today=day + timedelta(days=20), enqueue=False)


def test_shards_split_the_sweep_without_overlap(letter_patient):
    invoices = [issue(letter_patient) for _ in range(6)]
    day = invoices[0].due_date + timedelta(days=1)
    first = services.reminders_sweep(today=day, enqueue=False, shard=0, shards=2)
    second = services.reminders_sweep(today=day, enqueue=False, shard=1, shards=2)
    assert first.examined + second.examined == 6
    assert not set(first.reminder_ids) & set(second.reminder_ids)
    assert Reminder.objects.count() == 6


def test_an_invoice_with_a_collection_case_leaves_the_sweep(letter_patient):
    invoice = issue(letter_patient)
    CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)
    assert services.reminders_sweep(today=invoice.due_date + timedelta(days=3), enqueue=False).examined == 0


def test_the_beat_task_hands_one_shard_to_each_task(settings, letter_patient, monkeypatch):
    from patient_collections import tasks

    settings.REMINDER_SWEEP_SHARDS = 2
    invoices = [issue(letter_patient) for _ in range(4)]
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: invoices[0].due_date + timedelta(days=1))
    tasks.sweep_reminders()
    assert Reminder.objects.count() == 4


def test_it_does_not_read_an_invoice_whose_next_notice_is_not_due(letter_patient):
    invoice = issue(letter_patient)
    run_day(invoice.due_date + timedelta(days=1))
    # Step 2 waits for day 15 and for the first notice's 14-day deadline: nothing to read or lock until then.
    assert services.reminders_sweep(today=invoice.due_date + timedelta(days=10), enqueue=False).examined == 0
    assert services.reminders_sweep(today=invoice.due_date + timedelta(days=16), enqueue=False).examined == 1


def the_schedule_would_act_on(day: date) -> set[int]:
    """What the sweep read before its filter moved into SQL: every overdue candidate, kept when the pure
    schedule gives it a notice or a case, or a notice of it still waits to be sent."""
    steps = services.schedule_steps(on=day)
    acting = set()
    for invoice in services.overdue_candidates(today=day, with_cases=True):
        rows = invoice.reminders.filter(step__lt=services.INSTALMENT_STEPS).order_by("step")
        sent, unsent = sweep._sent_notices([(r.step, r.status, r.sent_at, r.deadline, r.fee) for r in rows], steps)
        account = schedule.Account(
            due_date=invoice.due_date, patient_due=invoice.patient_due_amount, sent=sent, unsent=unsent
        )
        waiting = invoice.reminders.filter(status__in=["queued", "skipped"]).exists()
        if invoice.collection_cases.exists():
            if waiting:
                acting.add(invoice.pk)
            continue
        if schedule.next_step(account, steps, day) or schedule.escalation_due(account, steps, day) or waiting:
            acting.add(invoice.pk)
    return acting


@pytest.mark.parametrize("jurisdiction", ["NO", "US"])
def test_the_sql_filter_picks_exactly_the_invoices_the_schedule_acts_on(settings, jurisdiction):
    settings.BILLING_JURISDICTION = jurisdiction
    invoices = []
    for number, channel in enumerate(["email", "sms", "email", "letter", "sms", "email"]):
        patient = PatientFactory(preferred_channel=channel, address_line="Storgata 5", postal_code="0155", city="Oslo")
        invoices.append(issue(patient, day=ISSUED + timedelta(days=3 * number)))
    first_due = invoices[0].due_date
    for offset in range(140):
        day = first_due + timedelta(days=offset)
        steps = services.schedule_steps(on=day)
        picked = set(services.sweep_candidates(today=day, steps=steps).values_list("id", flat=True))
        assert picked == the_schedule_would_act_on(day), day
        if offset % 5 == 4:
            continue  # a day without a sweep: the next notices go out late, with later deadlines
        run_day(day, hour=23 if offset % 4 == 0 else 10)  # at 23:00 SMS notices wait, queued
    assert CollectionCase.objects.count() == len(invoices)


def test_the_sweep_reads_the_schedule_once_and_runs_six_queries_per_batch(letter_patient, django_assert_num_queries):
    for _ in range(5):
        issue(letter_patient)
    # 1. schedule steps  2. fee rate; per batch: savepoint, invoices (locked), their notices, insert notices,
    # queued ids, release savepoint; batches of 2, 2 and 1 invoices; last, the claims still disputed after a
    # closed complaint that need a case (none here)
    with django_assert_num_queries(2 + 3 * 6 + 1):
        result = services.reminders_sweep(today=date(2026, 2, 1), batch_size=2, enqueue=False)
    assert result.examined == 5
