"""Issue 11, scenario 3: a notice counts from its sending.

An SMS created outside the contact hours waits, and the next step's clock starts when it actually went out; a
catch-up `run_billing_jobs --as-of` at midnight does not jump to the final notice; overlapping catch-up runs
post one fee; a notice waiting to be sent is retried after the claim got a case. (Two catch-up runs at the
same moment on PostgreSQL: test_overlapping_runs.py.)
"""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from invoices.models import LedgerEntry
from patient_collections.models import CollectionCase, Reminder
from patients.models import Patient
from tests.factories import at
from tests.lifecycle_scenarios.office import bill, complain, reminders

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]


@pytest.fixture
def texted_patient(reachable_patient, settings, tmp_path) -> Patient:
    """Kari prefers text messages (the default SMS backend writes them to an outbox file)."""
    settings.SMS_OUTBOX = str(tmp_path / "sms-outbox.log")
    reachable_patient.preferred_channel = "sms"
    reachable_patient.save(update_fields=["preferred_channel"])
    return reachable_patient


def steps(api, invoice_id: int) -> list[tuple[int, str]]:
    return [(reminder["step"], reminder["status"]) for reminder in reminders(api, invoice_id)]


def fees(invoice_id: int) -> list[str]:
    entries = LedgerEntry.objects.filter(invoice_id=invoice_id, kind=LedgerEntry.Kind.REMINDER_FEE)
    return [str(amount) for amount in entries.values_list("amount", flat=True)]


def catch_up(as_of: date) -> str:
    out = StringIO()
    call_command("run_billing_jobs", "--as-of", as_of.isoformat(), stdout=out)
    return out.getvalue()


def test_an_sms_made_at_night_waits_and_the_next_step_counts_from_its_sending(
    office, texted_patient, billing, api_as, settings
):
    api = api_as(billing)
    invoice = bill(api, texted_patient)
    made_on = date.fromisoformat(invoice["due_date"]) + timedelta(days=1)  # Tuesday 17 March

    office.day(made_on, hour=22)
    [waiting] = reminders(api, invoice["id"])
    assert (waiting["step"], waiting["status"], waiting["sent_at"]) == (1, "queued", None)
    assert Reminder.objects.get(pk=waiting["id"]).not_before == at(made_on + timedelta(days=1), 8)

    sent_on = made_on + timedelta(days=1)
    office.day(sent_on, hour=9)
    [sent] = reminders(api, invoice["id"])
    assert (sent["id"], sent["status"], sent["channel"]) == (waiting["id"], "sent", "sms")
    assert sent["deadline"] == (sent_on + timedelta(days=14)).isoformat()
    with open(settings.SMS_OUTBOX, encoding="utf-8") as outbox:
        assert outbox.read().count(f"reminder-{sent['id']} to") == 1

    office.days(sent_on + timedelta(days=1), made_on + timedelta(days=15))  # 14 days after it was made, not sent
    assert steps(api, invoice["id"]) == [(1, "sent")]
    office.day(sent_on + timedelta(days=15))
    assert [reminder["step"] for reminder in reminders(api, invoice["id"])] == [1, 2]


def test_a_catch_up_at_midnight_sends_the_first_notice_only(clock, office, reachable_patient, billing, api_as):
    api = api_as(billing)
    invoice = bill(api, reachable_patient)
    tonight = date.fromisoformat(invoice["due_date"]) + timedelta(days=61)  # the server was down for two months
    clock.move_to(at(tonight, 0, 5))

    catch_up(tonight - timedelta(days=1))
    office.day(tonight)  # the morning's run and the print batch, as every day

    assert steps(api, invoice["id"]) == [(1, "sent")]
    assert fees(invoice["id"]) == []
    [message] = mail.outbox
    assert message.subject.startswith(f"Payment reminder: invoice {invoice['number']} — Bill for your visit on ")
    office.days(tonight + timedelta(days=1), tonight + timedelta(days=14))
    assert steps(api, invoice["id"]) == [(1, "sent")]  # the purring waits 14 days from that night


def test_a_night_of_catch_up_runs_over_the_missed_days_does_not_jump_to_the_final_notice(
    clock, office, reachable_patient, billing, api_as
):
    api = api_as(billing)
    invoice = bill(api, reachable_patient)
    due = date.fromisoformat(invoice["due_date"])
    tonight = due + timedelta(days=46)
    clock.move_to(at(tonight, 0, 5))

    for missed in range(1, 46):  # an operator replays every day the server was down, one run per day
        catch_up(due + timedelta(days=missed))
    office.day(tonight)

    assert steps(api, invoice["id"]) == [(1, "sent")]
    assert fees(invoice["id"]) == []
    assert len(mail.outbox) == 1


def test_overlapping_catch_up_runs_post_one_fee(clock, office, reachable_patient, billing, api_as):
    api = api_as(billing)
    invoice = bill(api, reachable_patient)
    due = date.fromisoformat(invoice["due_date"])
    office.day(due + timedelta(days=1))
    clock.move_to(at(due + timedelta(days=18), 0, 5))

    # Two operators catch up the same missed days, one run over the other.
    for as_of in (due + timedelta(days=16), due + timedelta(days=17), due + timedelta(days=16)):
        catch_up(as_of)

    assert steps(api, invoice["id"]) == [(1, "sent"), (2, "sent")]
    assert fees(invoice["id"]) == ["35.00"]
    assert api.get(f"/api/v1/invoices/{invoice['id']}/").json()["balance"] == "535.00"
    assert len(mail.outbox) == 2


def test_a_notice_held_by_a_dispute_is_retried_once_the_claim_has_a_case(
    clock, office, texted_patient, front_desk, billing, api_as
):
    api = api_as(billing)
    invoice = bill(api, texted_patient)
    due = date.fromisoformat(invoice["due_date"])
    office.day(due + timedelta(days=1), hour=22)  # queued for the morning
    clock.shift(timedelta(minutes=30))
    first = complain(api_as(front_desk), texted_patient, invoice["id"])
    office.day(due + timedelta(days=2), hour=9)
    assert steps(api, invoice["id"]) == [(1, "skipped")]  # the claim was disputed when its turn came

    closed = api.post(
        f"/api/v1/complaints/{first['id']}/close/",
        {"outcome": "still_disagrees", "prevention_note": "Say at booking when a cancellation is billed."},
        format="json",
    )
    assert closed.status_code == 200, closed.content
    office.day(due + timedelta(days=3))
    case = CollectionCase.objects.get(invoice_id=invoice["id"])  # proposed for a decision on the dispute

    again = complain(api_as(front_desk), texted_patient, invoice["id"], category="invoice_question")
    explained = api.post(
        f"/api/v1/complaints/{again['id']}/close/",
        {"outcome": "resolved", "prevention_note": "Explain the cancellation rule at booking."},
        format="json",
    )
    assert explained.status_code == 200, explained.content
    office.day(due + timedelta(days=4))

    [retried] = reminders(api, invoice["id"])
    assert (retried["step"], retried["status"], retried["channel"]) == (1, "sent", "sms")
    assert retried["deadline"] == (due + timedelta(days=4 + 14)).isoformat()
    case.refresh_from_db()
    assert case.status == CollectionCase.Status.PROPOSED
