"""Claim, commit, send, record: a notice leaves once, with no lock held, and an unknown outcome is never
resent blindly (issue 20). The fault tests talk to local relays that hang or drop the connection."""

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from clinic_billing.exceptions import InvalidTransition
from invoices import services as invoice_services
from patient_collections import channels, services
from patient_collections.models import Reminder
from patient_collections.services import sending
from tests import fake_smtp
from tests.factories import PatientFactory, UserFactory, draft_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

OSLO = ZoneInfo("Europe/Oslo")
ISSUED = date(2026, 1, 5)
# A Wednesday morning, inside every contact-hours window.
NOW = datetime(2026, 2, 4, 10, 0, tzinfo=OSLO)
LINES = [("GP1", "Consultation", "1", "500.00", "patient")]


class DeduplicatingSmsProvider:
    """An SMS provider with an idempotency key: a second message with the same reference is dropped."""

    idempotent = True
    delivered: dict[str, int] = {}
    fail_next_with: Exception | None = None

    def send(self, *, to: str, text: str, reference: str) -> None:
        self.delivered[reference] = self.delivered.get(reference, 0) + 1
        failure, DeduplicatingSmsProvider.fail_next_with = DeduplicatingSmsProvider.fail_next_with, None
        if failure is not None:
            raise failure


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The reminder ids whose send tasks were published."""
    ids: list[int] = []
    monkeypatch.setattr(sending, "enqueue_sends", ids.extend)
    return ids


def queued_reminder(channel: str = "email", fee_step: bool = False) -> Reminder:
    patient = PatientFactory(preferred_channel=channel, email="astrid@example.test", phone="+4790000000")
    invoice = invoice_services.invoice_issue(invoice_id=draft_invoice(patient, lines=LINES).pk, by=None, today=ISSUED)
    assert invoice.due_date is not None
    day = invoice.due_date + timedelta(days=1)
    [reminder_id] = services.reminders_sweep(today=day, enqueue=False).reminder_ids
    if fee_step:
        Reminder.objects.filter(pk=reminder_id).update(fee=Decimal("35.00"))
    return Reminder.objects.get(pk=reminder_id)


def test_it_marks_the_notice_sending_before_it_leaves_then_records_it_sent(monkeypatch):
    reminder = queued_reminder()
    seen: list[str] = []
    deliver = channels.deliver

    def watching(notice: channels.Notice) -> None:
        seen.append(Reminder.objects.get(pk=notice.reminder_id).status)
        deliver(notice)

    monkeypatch.setattr(channels, "deliver", watching)
    sent = services.reminder_send(reminder_id=reminder.pk, now=NOW)

    assert seen == ["sending"]
    assert (sent.status, sent.channel, sent.sent_at) == ("sent", "email", NOW)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_holds_no_transaction_while_the_notice_is_on_the_network(monkeypatch):
    reminder = queued_reminder()
    in_transaction: list[bool] = []
    deliver = channels.deliver

    def watching(notice: channels.Notice) -> None:
        in_transaction.append(connection.in_atomic_block)
        deliver(notice)

    monkeypatch.setattr(channels, "deliver", watching)
    services.reminder_send(reminder_id=reminder.pk, now=NOW)

    assert in_transaction == [False]
    assert Reminder.objects.get(pk=reminder.pk).status == "sent"


def test_it_gives_the_claim_back_when_the_server_refuses_and_sends_once_on_the_retry(monkeypatch):
    reminder = queued_reminder()
    monkeypatch.setattr(channels, "deliver_email", _raise(channels.DeliveryError("refused")))
    with pytest.raises(channels.DeliveryError):
        services.reminder_send(reminder_id=reminder.pk, now=NOW)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempt_id, reminder.attempts) == ("queued", None, 1)

    monkeypatch.undo()
    assert services.reminder_send(reminder_id=reminder.pk, now=NOW).status == "sent"
    assert len(mail.outbox) == 1


def test_it_puts_an_email_with_an_unknown_outcome_on_the_worklist_instead_of_resending(monkeypatch, published):
    reminder = queued_reminder()
    monkeypatch.setattr(channels, "deliver_email", _raise(channels.DeliveryUncertain("dropped")))
    assert services.reminder_send(reminder_id=reminder.pk, now=NOW).status == "uncertain"

    monkeypatch.undo()
    later = NOW + timedelta(hours=1)
    assert services.reminder_send(reminder_id=reminder.pk, now=later).status == "uncertain"
    assert services.reminders_dispatch(now=later).published == []
    assert mail.outbox == []


def test_it_leaves_a_fresh_claim_to_its_attempt_and_judges_a_stale_one_uncertain(settings):
    reminder = queued_reminder()
    claimed, notice = services.reminder_claim(reminder_id=reminder.pk, now=NOW)
    assert notice is not None and claimed.status == "sending"

    # A redelivered task while the first attempt may still be sending: it does nothing.
    soon = NOW + timedelta(seconds=settings.REMINDER_UNCERTAIN_AFTER - 1)
    assert services.reminder_send(reminder_id=reminder.pk, now=soon).status == "sending"
    # Past the task's hard time limit and then some, the first attempt is dead: nobody knows what it sent.
    late = NOW + timedelta(seconds=settings.REMINDER_UNCERTAIN_AFTER + 1)
    assert services.reminder_send(reminder_id=reminder.pk, now=late).status == "uncertain"
    assert mail.outbox == []


def test_a_late_attempt_cannot_record_over_the_claim_of_another():
    reminder = queued_reminder(fee_step=True)
    claimed, _ = services.reminder_claim(reminder_id=reminder.pk, now=NOW)

    stale = services.reminder_record_sent(reminder_id=reminder.pk, attempt_id=uuid.uuid4(), sent_at=NOW)
    assert (stale.status, stale.fee_entry_id) == ("sending", None)
    recorded = services.reminder_record_sent(reminder_id=reminder.pk, attempt_id=claimed.attempt_id, sent_at=NOW)
    again = services.reminder_record_sent(reminder_id=reminder.pk, attempt_id=claimed.attempt_id, sent_at=NOW)
    assert (recorded.status, again.status) == ("sent", "sent")
    assert recorded.invoice.entries.filter(kind="reminder_fee").count() == 1


def test_it_records_a_known_outcome_even_after_the_claim_was_judged_uncertain():
    reminder = queued_reminder()
    claimed, _ = services.reminder_claim(reminder_id=reminder.pk, now=NOW)
    Reminder.objects.filter(pk=reminder.pk).update(status="uncertain")

    recorded = services.reminder_record_sent(reminder_id=reminder.pk, attempt_id=claimed.attempt_id, sent_at=NOW)
    assert (recorded.status, recorded.sent_at) == ("sent", NOW)


def test_it_gives_every_attempt_at_one_reminder_the_same_message_id(monkeypatch):
    reminder = queued_reminder()
    monkeypatch.setattr(channels, "deliver_email", _raise(channels.DeliveryUncertain("dropped")))
    services.reminder_send(reminder_id=reminder.pk, now=NOW)
    monkeypatch.undo()
    services.reminder_resend(reminder_id=reminder.pk, by=UserFactory(roles=["billing"]))
    services.reminder_send(reminder_id=reminder.pk, now=NOW)
    services.reminder_send(reminder_id=queued_reminder().pk, now=NOW)

    first, other = mail.outbox
    assert first.extra_headers["Message-ID"] == f"<reminder-{reminder.pk}@clinic.example>"
    assert other.extra_headers["Message-ID"] != first.extra_headers["Message-ID"]


def test_staff_confirm_an_uncertain_notice_as_sent_when_it_was_claimed_with_its_fee_once(monkeypatch):
    reminder = queued_reminder(fee_step=True)
    monkeypatch.setattr(channels, "deliver_email", _raise(channels.DeliveryUncertain("dropped")))
    services.reminder_send(reminder_id=reminder.pk, now=NOW)

    confirmed = services.reminder_confirm_sent(reminder_id=reminder.pk, by=UserFactory(roles=["billing"]))
    assert (confirmed.status, confirmed.sent_at) == ("sent", NOW)
    assert confirmed.invoice.entries.filter(kind="reminder_fee", amount=Decimal("35.00")).count() == 1
    with pytest.raises(InvalidTransition):
        services.reminder_confirm_sent(reminder_id=reminder.pk, by=UserFactory(roles=["billing"]))


def test_staff_resend_an_uncertain_notice_which_is_published_at_once(
    monkeypatch, published, django_capture_on_commit_callbacks
):
    reminder = queued_reminder()
    monkeypatch.setattr(channels, "deliver_email", _raise(channels.DeliveryUncertain("dropped")))
    services.reminder_send(reminder_id=reminder.pk, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_resend(reminder_id=reminder.pk, by=UserFactory(roles=["billing"]))
    assert published == [reminder.pk]
    assert Reminder.objects.get(pk=reminder.pk).status == "queued"
    with pytest.raises(InvalidTransition):
        services.reminder_resend(reminder_id=reminder.pk, by=UserFactory(roles=["billing"]))


def test_it_resends_an_sms_with_an_unknown_outcome_under_the_same_key_where_the_provider_deduplicates(settings):
    settings.SMS_BACKEND = f"{__name__}.DeduplicatingSmsProvider"
    DeduplicatingSmsProvider.delivered = {}
    reminder = queued_reminder(channel="sms")
    DeduplicatingSmsProvider.fail_next_with = TimeoutError()
    with pytest.raises(channels.DeliveryUncertain):
        services.reminder_send(reminder_id=reminder.pk, now=NOW)
    assert Reminder.objects.get(pk=reminder.pk).status == "queued"

    assert services.reminder_send(reminder_id=reminder.pk, now=NOW).status == "sent"
    assert DeduplicatingSmsProvider.delivered == {f"reminder-{reminder.pk}": 2}  # the provider keeps one


def test_sms_waits_for_the_contact_hours_and_the_dispatcher_publishes_it_when_they_open(published):
    reminder = queued_reminder(channel="sms")
    sunday_night = datetime(2026, 2, 8, 22, 30, tzinfo=OSLO)
    waiting = services.reminder_send(reminder_id=reminder.pk, now=sunday_night)
    assert (waiting.status, waiting.not_before) == ("queued", datetime(2026, 2, 9, 8, 0, tzinfo=OSLO))

    assert services.reminders_dispatch(now=sunday_night + timedelta(hours=1)).published == []
    assert services.reminders_dispatch(now=datetime(2026, 2, 9, 8, 0, tzinfo=OSLO)).published == [reminder.pk]


def test_the_dispatcher_publishes_a_notice_whose_task_was_lost_but_not_one_just_published(settings, published):
    lost = queued_reminder()
    first = services.reminders_dispatch(now=NOW)
    assert first.published == [lost.pk]
    assert services.reminders_dispatch(now=NOW + timedelta(minutes=1)).published == []
    later = NOW + timedelta(seconds=settings.REMINDER_REDISPATCH_AFTER + 1)
    assert services.reminders_dispatch(now=later).published == [lost.pk]


def test_the_dispatcher_judges_a_dead_attempt_uncertain(settings, published):
    reminder = queued_reminder()
    services.reminder_claim(reminder_id=reminder.pk, now=NOW)
    assert services.reminders_dispatch(now=NOW + timedelta(minutes=1)).uncertain == 0

    result = services.reminders_dispatch(now=NOW + timedelta(seconds=settings.REMINDER_UNCERTAIN_AFTER + 1))
    assert (result.uncertain, result.published) == (1, [])
    assert Reminder.objects.get(pk=reminder.pk).status == "uncertain"


def test_the_sweep_marks_each_batch_published_on_its_commit(published, django_capture_on_commit_callbacks):
    patient = PatientFactory(preferred_channel="email")
    invoice = invoice_services.invoice_issue(invoice_id=draft_invoice(patient, lines=LINES).pk, by=None, today=ISSUED)
    assert invoice.due_date is not None
    with django_capture_on_commit_callbacks(execute=True):
        result = services.reminders_sweep(today=invoice.due_date + timedelta(days=1))
    assert published == result.reminder_ids != []
    assert Reminder.objects.get(pk=result.reminder_ids[0]).dispatched_at == NOW
    assert services.reminders_dispatch(now=NOW + timedelta(minutes=1)).published == []


def uncertain_reminder(monkeypatch) -> Reminder:
    reminder = queued_reminder()
    with monkeypatch.context() as patched:
        patched.setattr(channels, "deliver_email", _raise(channels.DeliveryUncertain("dropped")))
        return services.reminder_send(reminder_id=reminder.pk, now=NOW)


def test_the_worklist_shows_a_notice_with_an_unknown_outcome_and_billing_confirms_it(monkeypatch, billing, client_for):
    reminder = uncertain_reminder(monkeypatch)
    client = client_for(billing)
    page = client.get(reverse("collections:call-list")).content.decode()
    assert "Notices with an unknown outcome" in page
    assert reminder.invoice.number in page and reverse("collections:reminder-confirm-sent", args=[reminder.pk]) in page

    response = client.post(reverse("collections:reminder-confirm-sent", args=[reminder.pk]), follow=True)
    assert response.redirect_chain == [(reverse("collections:call-list"), 302)]
    assert "recorded as sent" in response.content.decode()
    assert Reminder.objects.get(pk=reminder.pk).status == "sent"
    assert "Notices with an unknown outcome" not in response.content.decode()


def test_billing_sends_a_notice_with_an_unknown_outcome_again(
    monkeypatch, billing, client_for, published, django_capture_on_commit_callbacks
):
    reminder = uncertain_reminder(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(billing).post(reverse("collections:reminder-resend", args=[reminder.pk]))
    assert Reminder.objects.get(pk=reminder.pk).status == "queued"
    assert published == [reminder.pk]


def test_the_front_desk_sees_a_notice_with_an_unknown_outcome_but_may_not_settle_it(
    monkeypatch, front_desk, client_for
):
    reminder = uncertain_reminder(monkeypatch)
    client = client_for(front_desk)
    page = client.get(reverse("collections:call-list")).content.decode()
    assert reminder.invoice.number in page
    assert reverse("collections:reminder-resend", args=[reminder.pk]) not in page
    assert client.post(reverse("collections:reminder-resend", args=[reminder.pk])).status_code == 403
    assert Reminder.objects.get(pk=reminder.pk).status == "uncertain"


def test_settling_an_unknown_notice_answers_404(billing, client_for):
    assert client_for(billing).post(reverse("collections:reminder-confirm-sent", args=[999_999])).status_code == 404


def _raise(error: Exception):
    def fail(**kwargs: object) -> None:
        raise error

    return fail


# --- Real faults: local relays that hang or drop the connection ------------------------------------------


def _smtp(settings, relay: fake_smtp.Relay) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = relay.host, relay.port
    settings.EMAIL_TIMEOUT = 2


def _send_in_background(reminder_id: int) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def send() -> None:
        try:
            outcome.append(services.reminder_send(reminder_id=reminder_id, now=NOW).status)
        except Exception as exc:
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def _pay_while_sending(reminder: Reminder, relay: fake_smtp.Relay) -> float:
    """Wait until the send waits on the relay, then pay the same invoice; returns how long the payment took."""
    assert relay.client_waiting.wait(timeout=5)
    started = time.monotonic()
    invoice_services.payment_record(
        invoice_id=reminder.invoice_id, amount="100.00", payer="patient", method="bank transfer", by=None
    )
    took = time.monotonic() - started
    relay.release.set()
    return took


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_relay_that_never_answers_holds_no_lock_and_the_notice_waits_for_a_retry(settings):
    reminder = queued_reminder()
    with fake_smtp.hanging() as relay:
        _smtp(settings, relay)
        thread, outcome = _send_in_background(reminder.pk)
        payment_took = _pay_while_sending(reminder, relay)
        thread.join(timeout=10)

    # A functional bound, generous: the payment does not wait for the relay's timeout (2 s here).
    assert payment_took < 1
    assert not thread.is_alive()
    [error] = outcome
    assert type(error) is channels.DeliveryError  # nothing left before the greeting: safe to send again
    reminder.refresh_from_db()
    assert (reminder.status, reminder.sent_at) == ("queued", None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_relay_that_drops_the_connection_after_data_gets_the_notice_once(settings, published):
    reminder = queued_reminder()
    with fake_smtp.dropping() as relay:
        _smtp(settings, relay)
        thread, outcome = _send_in_background(reminder.pk)
        payment_took = _pay_while_sending(reminder, relay)
        thread.join(timeout=10)
        assert outcome == ["uncertain"]
        # The retry of a redelivered task, the next sweep's and the dispatcher's: none sends it again.
        later = NOW + timedelta(hours=1)
        assert services.reminder_send(reminder_id=reminder.pk, now=later).status == "uncertain"
        services.reminders_dispatch(now=later)
        assert published == []
        kept = list(relay.messages)

    assert payment_took < 1
    assert len(kept) == 1 and f"Message-ID: <reminder-{reminder.pk}@clinic.example>" in kept[0]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.sent_at) == ("uncertain", None)


def test_the_dispatcher_hands_a_dead_sms_attempt_to_a_new_one_where_the_provider_deduplicates(settings, published):
    settings.SMS_BACKEND = f"{__name__}.DeduplicatingSmsProvider"
    DeduplicatingSmsProvider.delivered = {}
    reminder = queued_reminder(channel="sms")
    services.reminder_claim(reminder_id=reminder.pk, now=NOW)  # and the worker died

    later = NOW + timedelta(seconds=settings.REMINDER_UNCERTAIN_AFTER + 1)
    result = services.reminders_dispatch(now=later)
    assert (result.published, result.uncertain) == ([reminder.pk], 0)
    assert services.reminder_send(reminder_id=reminder.pk, now=later).status == "sent"
    assert DeduplicatingSmsProvider.delivered == {f"reminder-{reminder.pk}": 1}


@pytest.mark.parametrize(
    ("variable", "seconds"),
    [("CELERY_VISIBILITY_TIMEOUT", "3600"), ("CELERY_VISIBILITY_TIMEOUT", "60"), ("REMINDER_UNCERTAIN_AFTER", "30")],
)
def test_it_refuses_to_start_with_a_visibility_timeout_or_claim_age_that_would_resend_or_wait(variable, seconds):
    # 3600: a dead worker's task waits longer than the next sweep; 60: Redis would hand a send still running
    # (hard limit 90 s) to a second worker; 30: a claim still being sent would be judged dead.
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic_billing.settings", variable: seconds}
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
