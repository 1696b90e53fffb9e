"""Issue 11, scenario 3 on PostgreSQL: two catch-up runs of `run_billing_jobs` at the same moment post one fee."""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from invoices.models import LedgerEntry
from patient_collections.models import Reminder
from tests.concurrency import POSTGRESQL_ONLY, run_together
from tests.factories import at
from tests.lifecycle_scenarios.office import bill

pytestmark = [*POSTGRESQL_ONLY, pytest.mark.clock_sensitive]


def test_two_catch_up_runs_at_once_send_the_purring_once_with_one_fee(reachable_patient, billing, api_as):
    with time_machine.travel(at(date(2026, 3, 2)), tick=False) as clock:
        invoice = bill(api_as(billing), reachable_patient)
        due = date.fromisoformat(invoice["due_date"])
        clock.move_to(at(due + timedelta(days=1)))
        call_command("run_billing_jobs", stdout=StringIO())
        clock.move_to(at(due + timedelta(days=18), 0, 5))

        def catch_up() -> None:
            call_command("run_billing_jobs", "--as-of", (due + timedelta(days=16)).isoformat(), stdout=StringIO())

        results = run_together([catch_up, catch_up])

    assert results == [None, None]
    purring = Reminder.objects.get(invoice_id=invoice["id"], step=2)
    assert purring.status == Reminder.Status.SENT
    fees = LedgerEntry.objects.filter(invoice_id=invoice["id"], kind=LedgerEntry.Kind.REMINDER_FEE)
    assert list(fees.values_list("amount", flat=True)) == [purring.fee]
    reminder_subject = f"Payment reminder: invoice {invoice['number']} — "
    assert [message.subject.startswith(reminder_subject) for message in mail.outbox].count(True) == 2
