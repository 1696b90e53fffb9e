"""Meeting deadlines count the clinic's open hours; the escalation sweep runs only while the clinic is open."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from disputes.models import Complaint
from disputes.selectors import deadline_of
from disputes.tasks import escalate_overdue_complaints
from tests.factories import complaint_about, issued_invoice

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")


def file_care_complaint(patient):
    """The default policy: a care complaint is met by the provider within 4 (open) hours."""
    return complaint_about(issued_invoice(patient), description="The doctor did not listen.")


def filed_at(moment: datetime, patient) -> Complaint:
    with time_machine.travel(moment, tick=False):
        return file_care_complaint(patient)


def test_it_counts_four_hours_from_opening_for_a_complaint_logged_at_night(patient):
    complaint = filed_at(datetime(2026, 12, 8, 2, 32, tzinfo=OSLO), patient)
    assert complaint.meeting_due_at == datetime(2026, 12, 8, 12, 0, tzinfo=OSLO)


def test_it_carries_the_afternoon_rest_into_the_next_morning(patient):
    complaint = filed_at(datetime(2026, 12, 7, 14, 30, tzinfo=OSLO), patient)  # Monday, closes at 16:00
    assert complaint.meeting_due_at == datetime(2026, 12, 8, 10, 30, tzinfo=OSLO)


def test_it_skips_sunday(patient):
    complaint = filed_at(datetime(2026, 12, 6, 11, 0, tzinfo=OSLO), patient)  # a Sunday
    assert complaint.meeting_due_at == datetime(2026, 12, 7, 12, 0, tzinfo=OSLO)


def test_it_skips_norways_constitution_day(patient):
    # Friday 14 May 2027 at 15:00: one hour that day, then the weekend and Monday 17 May are closed.
    complaint = filed_at(datetime(2027, 5, 14, 15, 0, tzinfo=OSLO), patient)
    assert complaint.meeting_due_at == datetime(2027, 5, 18, 11, 0, tzinfo=OSLO)


def test_it_counts_us_holidays_in_the_us(patient, settings):
    settings.BILLING_JURISDICTION = "US"
    new_york = ZoneInfo("America/New_York")
    settings.TIME_ZONE = "America/New_York"
    # Thursday 2 July 2026 at 15:00 (closes 17:00); Friday 3 July is the observed Independence Day.
    complaint = filed_at(datetime(2026, 7, 2, 15, 0, tzinfo=new_york), patient)
    assert complaint.meeting_due_at == datetime(2026, 7, 6, 10, 0, tzinfo=new_york)


def test_the_beat_sweep_waits_for_opening_time_to_escalate(patient):
    complaint = filed_at(datetime(2026, 12, 4, 10, 0, tzinfo=OSLO), patient)  # Friday, due 14:00
    with time_machine.travel(datetime(2026, 12, 5, 23, 0, tzinfo=OSLO), tick=False):  # Saturday night
        assert escalate_overdue_complaints() == 0
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN
    with time_machine.travel(datetime(2026, 12, 7, 8, 5, tzinfo=OSLO), tick=False):  # Monday after opening
        assert escalate_overdue_complaints() == 1
    complaint.refresh_from_db()
    assert (complaint.status, complaint.route_to) == (Complaint.Status.ESCALATED, "office_manager")


def test_the_beat_sweep_escalates_nothing_on_a_holiday(patient):
    complaint = filed_at(datetime(2027, 5, 14, 9, 0, tzinfo=OSLO), patient)  # due Friday 13:00
    with time_machine.travel(datetime(2027, 5, 17, 12, 0, tzinfo=OSLO), tick=False):
        assert escalate_overdue_complaints() == 0
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN
    assert complaint.meeting_due_at == datetime(2027, 5, 14, 13, 0, tzinfo=OSLO)


# --- How a deadline stands: the hours shown count down only while the clinic is open ---------------------------


def test_a_complaint_received_friday_afternoon_is_due_on_monday_and_its_hours_count_open_time(patient):
    complaint = filed_at(datetime(2026, 12, 4, 15, 0, tzinfo=OSLO), patient)  # Friday; the clinic closes at 16:00

    assert complaint.meeting_due_at == datetime(2026, 12, 7, 11, 0, tzinfo=OSLO)  # one hour Friday, three Monday
    received = deadline_of(complaint, datetime(2026, 12, 4, 15, 0, tzinfo=OSLO))
    saturday = deadline_of(complaint, datetime(2026, 12, 5, 12, 0, tzinfo=OSLO))
    assert (received.hours, received.overdue) == (4, False)
    assert (saturday.hours, saturday.overdue) == (3, False)  # 47 hours on the wall clock; the weekend is closed


def test_an_overdue_deadline_counts_the_open_hours_since_it_passed(patient):
    complaint = filed_at(datetime(2026, 12, 4, 15, 0, tzinfo=OSLO), patient)  # due Monday 11:00

    tuesday = deadline_of(complaint, datetime(2026, 12, 8, 9, 0, tzinfo=OSLO))

    assert (tuesday.hours, tuesday.overdue) == (6, True)  # Monday 11:00–16:00 and Tuesday 08:00–09:00


def test_a_complaint_received_on_a_public_holiday_counts_from_the_next_opening(patient):
    complaint = filed_at(datetime(2027, 5, 17, 10, 0, tzinfo=OSLO), patient)  # Monday 17 May, Constitution Day

    assert complaint.meeting_due_at == datetime(2027, 5, 18, 12, 0, tzinfo=OSLO)
    for moment in (datetime(2027, 5, 17, 10, 0, tzinfo=OSLO), datetime(2027, 5, 18, 8, 0, tzinfo=OSLO)):
        assert deadline_of(complaint, moment).hours == 4
