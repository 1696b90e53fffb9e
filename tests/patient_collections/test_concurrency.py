"""Two sweeps at once on PostgreSQL: SKIP LOCKED shares the invoices and each reminder goes out once."""

import os
import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from invoices import services as invoice_services
from patient_collections import services
from patient_collections.models import Reminder
from tests.factories import PatientFactory, draft_invoice

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="SELECT … FOR UPDATE SKIP LOCKED is only meaningful on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_parallel(calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


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

    results = in_parallel([sweep_and_send, sweep_and_send])
    assert not [r for r in results if isinstance(r, Exception)]
    assert Reminder.objects.count() == 30
    assert Reminder.objects.filter(status="sent").count() == 30
    assert len(mail.outbox) == 30
