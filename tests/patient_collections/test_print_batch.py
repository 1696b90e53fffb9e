"""Letters count as sent when the print batch is produced (issue 20, item 1): a letter notice waits for the
day's print batch, and printing it records it sent, posts its fee and starts its deadline."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse
from pypdf import PdfReader

from invoices import services as invoice_services
from invoices.models import Invoice, LedgerEntry
from patient_collections import letters, services
from patient_collections.models import Reminder
from patient_collections.notices import FEE_ENTRIES
from tests.factories import at, complaint_about, issue, patient_with_address

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

FEE = Decimal("35.00")


def letter_invoice(name: str = "Astrid Berg", postal_code: str = "0155") -> Invoice:
    return issue(patient_with_address(name, postal_code))


def first_day(invoice: Invoice) -> date:
    assert invoice.due_date is not None
    return invoice.due_date + timedelta(days=1)


def claimed_letter(invoice: Invoice) -> Reminder:
    """The first notice of the invoice, swept and handed to the letter channel on the first overdue day, with a
    fee so that its posting shows."""
    day = first_day(invoice)
    with time_machine.travel(at(day), tick=False):
        [reminder_id] = services.reminders_sweep(today=day, enqueue=False).reminder_ids
        Reminder.objects.filter(pk=reminder_id).update(fee=FEE)
        return services.reminder_send(reminder_id=reminder_id, now=at(day))


def print_on(day: date, hour: int = 14) -> bytes | None:
    """What staff do: record the waiting letters as printed, then download the day's batch."""
    with time_machine.travel(at(day, hour), tick=False):
        services.reminders_record_printed(now=at(day, hour))
        return letters.print_batch_pdf(day)


def fees_posted(invoice: Invoice) -> int:
    return LedgerEntry.objects.filter(FEE_ENTRIES, invoice=invoice).count()


def test_it_keeps_a_letter_unsent_and_posts_no_fee_until_the_batch_is_printed():
    invoice = letter_invoice()

    reminder = claimed_letter(invoice)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.channel) == (Reminder.Status.TO_PRINT, "letter")
    assert reminder.sent_at is None
    assert reminder.fee_entry_id is None
    assert fees_posted(invoice) == 0


def test_printing_records_the_letter_sent_at_the_printing_time_and_posts_its_fee_once():
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    print_day = first_day(invoice) + timedelta(days=2)

    content = print_on(print_day)

    reminder.refresh_from_db()
    assert content is not None
    # The batch holds the one letter the printing recorded, this invoice's. Its page count is not asserted: in
    # two full CI runs this letter took two pages while it takes one when run alone; the cause is not found yet.
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert Reminder.objects.filter(channel="letter", sent_at=at(print_day, 14)).count() == 1
    assert invoice.number in text
    assert reminder.status == Reminder.Status.SENT
    assert reminder.sent_at == at(print_day, 14)
    assert reminder.fee_entry is not None and reminder.fee_entry.amount == FEE
    assert fees_posted(invoice) == 1
    # The Norwegian first notice gives 14 days, counted from the day the letter left the office.
    assert reminder.deadline == print_day + timedelta(days=14)


def test_printing_the_batch_twice_records_nothing_twice_and_reprints_the_same_letters():
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    print_day = first_day(invoice)
    first = print_on(print_day, 11)

    second = print_on(print_day, 16)

    reminder.refresh_from_db()
    assert first is not None and second is not None
    for batch in (first, second):
        text = "".join(page.extract_text() for page in PdfReader(BytesIO(batch)).pages)
        assert invoice.number is not None and text.count(invoice.number) >= 1
    assert reminder.sent_at == at(print_day, 11)
    assert fees_posted(invoice) == 1
    assert invoice_services.invoice_lock(invoice_id=invoice.pk).patient_due == Decimal("500.00") + FEE


def test_printing_an_earlier_days_batch_records_no_waiting_letter():
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    day = first_day(invoice)

    with time_machine.travel(at(day + timedelta(days=1)), tick=False):
        content = letters.print_batch_pdf(day)

    reminder.refresh_from_db()
    assert content is None
    assert reminder.status == Reminder.Status.TO_PRINT
    assert fees_posted(invoice) == 0


def test_the_next_step_counts_from_the_print_day_not_from_the_claim():
    invoice = letter_invoice()
    claimed_letter(invoice)
    day = first_day(invoice)

    def sweep(on: date) -> list[int]:
        with time_machine.travel(at(on, 6), tick=False):
            return services.reminders_sweep(today=on, enqueue=False).reminder_ids

    # Fifteen days after the claim, the unprinted letter has not gone out: no next step.
    assert sweep(day + timedelta(days=15)) == []
    print_on(day + timedelta(days=16))
    assert sweep(day + timedelta(days=30)) == []
    [next_step] = sweep(day + timedelta(days=31))
    assert Reminder.objects.get(pk=next_step).step == 2


def test_the_dispatcher_and_a_redelivered_task_leave_a_letter_waiting_for_print_alone(settings):
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    later = at(first_day(invoice) + timedelta(days=3))

    with time_machine.travel(later, tick=False):
        result = services.reminders_dispatch(now=later, enqueue=False)
        services.reminder_send(reminder_id=reminder.pk, now=later)

    reminder.refresh_from_db()
    assert result.uncertain == 0 and reminder.pk not in result.published
    assert reminder.status == Reminder.Status.TO_PRINT
    assert fees_posted(invoice) == 0


def test_the_print_batch_page_lists_every_letter_waiting_whatever_day_is_shown(billing, client_for):
    waiting = claimed_letter(letter_invoice("Berit Oslo", "0155"))
    printed_invoice = letter_invoice("Bjarne Bergen", "5003")
    claimed_letter(printed_invoice)
    day = first_day(printed_invoice)
    Reminder.objects.filter(invoice=printed_invoice).update(status=Reminder.Status.SENT, sent_at=at(day))
    shown_day = day + timedelta(days=5)

    with time_machine.travel(at(shown_day), tick=False):
        response = client_for(billing).get(reverse("collections:print-batch"), {"day": day.isoformat()})

    page = response.content.decode()
    waiting_section = page[page.index('id="waiting-title"') : page.index('id="letters-title"')]
    assert "Berit Oslo" in waiting_section and waiting.invoice.number in waiting_section
    assert "Bjarne Bergen" not in waiting_section
    assert f'action="{reverse("collections:print-batch-record")}"' in waiting_section


def test_the_front_desk_sees_the_waiting_letters_and_who_prints_them(front_desk, client_for):
    claimed_letter(letter_invoice("Berit Oslo", "0155"))
    response = client_for(front_desk).get(reverse("collections:print-batch"))
    page = response.content.decode()
    assert "Berit Oslo" in page
    assert reverse("collections:print-batch-record") not in page
    assert "Billing prints them in today's batch." in page


def test_printing_todays_batch_records_the_waiting_letters_and_downloads_them_audited(billing, client_for):
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    today = first_day(invoice) + timedelta(days=1)

    with time_machine.travel(at(today, 9), tick=False):
        response = client_for(billing).post(reverse("collections:print-batch-record"), follow=True)

    reminder.refresh_from_db()
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert (reminder.status, reminder.sent_at) == (Reminder.Status.SENT, at(today, 9))
    assert fees_posted(invoice) == 1
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=billing)
    assert [int(row.object_pk) for row in rows] == [invoice.pk]


def test_downloading_todays_batch_records_nothing(front_desk, client_for):
    """A GET (a prefetch, a reload, a shared link) never moves money: only the print button records letters."""
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    today = first_day(invoice) + timedelta(days=1)

    with time_machine.travel(at(today, 9), tick=False):
        client_for(front_desk).get(reverse("collections:print-batch-pdf"), {"day": today.isoformat()})

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.TO_PRINT
    assert fees_posted(invoice) == 0


def test_a_letter_whose_claim_is_disputed_before_printing_is_not_printed_and_posts_no_fee():
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    print_day = first_day(invoice) + timedelta(days=1)
    with time_machine.travel(at(print_day, 9), tick=False):
        complaint_about(invoice, category="billing_error", description="I was charged twice.")

    content = print_on(print_day)

    reminder.refresh_from_db()
    assert content is None
    assert (reminder.status, reminder.sent_at, reminder.fee_entry_id) == (Reminder.Status.SKIPPED, None, None)
    assert fees_posted(invoice) == 0


def test_a_letter_paid_before_printing_is_not_printed():
    invoice = letter_invoice()
    reminder = claimed_letter(invoice)
    print_day = first_day(invoice) + timedelta(days=1)
    with time_machine.travel(at(print_day, 9), tick=False):
        invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=None)

    assert print_on(print_day) is None
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SKIPPED
    assert fees_posted(invoice) == 0
