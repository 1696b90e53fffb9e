"""Two sweeps at once on PostgreSQL: SKIP LOCKED shares the invoices and each reminder goes out once; two
prints of the day's letters at once record each letter once."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.core import mail
from django.utils import timezone

from invoices import services as invoice_services
from invoices.models import LedgerEntry
from patient_collections import services
from patient_collections.models import Reminder
from patient_collections.notices import FEE_ENTRIES
from tests.concurrency import POSTGRESQL_ONLY, run_together
from tests.factories import PatientFactory, draft_invoice

pytestmark = POSTGRESQL_ONLY


def test_two_sweeps_at_once_send_each_reminder_once():
    patients = [PatientFactory(preferred_channel="email") for _ in range(3)]
    invoices = []
    for i in range(30):
        draft = draft_invoice(patients[i % 3], lines=[("GP1", "Consultation", "1", "300.00", "patient")])
        invoices.append(invoice_services.invoice_issue(invoice_id=draft.pk, by=None, today=date(2026, 1, 5)))
    day = invoices[0].due_date + timedelta(days=1)
    moment = timezone.make_aware(datetime.combine(day, time(10)))

    def sweep_and_send():
        result = services.reminders_sweep(today=day, batch_size=7, enqueue=False)
        return [services.reminder_send(reminder_id=rid, now=moment).status for rid in result.reminder_ids]

    results = run_together([sweep_and_send, sweep_and_send])
    assert not [r for r in results if isinstance(r, Exception)]
    assert Reminder.objects.count() == 30
    assert Reminder.objects.filter(status="sent").count() == 30
    assert len(mail.outbox) == 30


def test_two_prints_of_todays_batch_at_once_record_each_letter_once_with_one_fee():
    patients = [
        PatientFactory(preferred_channel="letter", address_line="Storgata 5", postal_code="0155", city="Oslo")
        for _ in range(3)
    ]
    invoices = []
    for i in range(9):
        draft = draft_invoice(patients[i % 3], lines=[("GP1", "Consultation", "1", "300.00", "patient")])
        invoices.append(invoice_services.invoice_issue(invoice_id=draft.pk, by=None, today=date(2026, 1, 5)))
    day = invoices[0].due_date + timedelta(days=1)
    claimed = timezone.make_aware(datetime.combine(day, time(10)))
    printed = timezone.make_aware(datetime.combine(day, time(15)))
    with time_machine.travel(claimed, tick=False):
        for reminder_id in services.reminders_sweep(today=day, enqueue=False).reminder_ids:
            services.reminder_send(reminder_id=reminder_id, now=claimed)
    Reminder.objects.update(fee=Decimal("35.00"))
    assert Reminder.objects.filter(status="to_print").count() == 9

    results = run_together([lambda: services.reminders_record_printed(now=printed)] * 2)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(rid for r in results for rid in r) == sorted(Reminder.objects.values_list("id", flat=True))
    assert Reminder.objects.filter(status="sent", sent_at=printed).count() == 9
    assert LedgerEntry.objects.filter(FEE_ENTRIES).count() == 9
