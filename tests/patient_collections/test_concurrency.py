"""Two sweeps at once on PostgreSQL: SKIP LOCKED shares the invoices and each reminder goes out once."""

from datetime import date, datetime, time, timedelta

from django.core import mail
from django.utils import timezone

from invoices import services as invoice_services
from patient_collections import services
from patient_collections.models import Reminder
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
