"""The clinic calendar: opening hours, public holidays, and open hours added to a moment. No database."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

import clinic_calendar
from clinic_calendar import DEFAULT_OPENING_HOURS, ClinicCalendar, is_public_holiday

OSLO = ZoneInfo("Europe/Oslo")
NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
NORWAY = ClinicCalendar(jurisdiction="NO", opening_hours=DEFAULT_OPENING_HOURS["NO"], time_zone=OSLO)
USA = ClinicCalendar(jurisdiction="US", opening_hours=DEFAULT_OPENING_HOURS["US"], time_zone=NEW_YORK)
FRANCE = ClinicCalendar(jurisdiction="FR", opening_hours=DEFAULT_OPENING_HOURS["FR"], time_zone=PARIS)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)


def test_it_is_open_on_a_weekday_afternoon_and_closed_at_night():
    assert NORWAY.is_open(oslo(2026, 12, 7, 14, 0))
    assert not NORWAY.is_open(oslo(2026, 12, 7, 2, 32))
    assert not NORWAY.is_open(oslo(2026, 12, 7, 16, 0))


def test_it_is_closed_on_sunday_and_on_norways_constitution_day():
    assert not NORWAY.is_open(oslo(2026, 12, 6, 12, 0))  # a Sunday
    assert not NORWAY.is_open(oslo(2027, 5, 17, 12, 0))  # 17 May 2027 is a Monday


def test_it_knows_each_jurisdictions_holidays():
    assert is_public_holiday(datetime(2027, 5, 17).date(), "NO")
    assert not is_public_holiday(datetime(2027, 5, 17).date(), "US")
    assert is_public_holiday(datetime(2027, 7, 5).date(), "US")  # 4 July on a Sunday is observed on Monday
    assert is_public_holiday(datetime(2027, 7, 14).date(), "FR")
    assert not USA.is_open(datetime(2027, 7, 5, 10, 0, tzinfo=NEW_YORK))
    assert not FRANCE.is_open(datetime(2027, 7, 14, 10, 0, tzinfo=PARIS))


def test_it_counts_four_open_hours_from_the_afternoon_into_the_next_morning():
    assert NORWAY.add_open_hours(oslo(2026, 12, 7, 14, 0), 4) == oslo(2026, 12, 8, 10, 0)


def test_it_starts_counting_at_opening_when_filed_at_night():
    assert NORWAY.add_open_hours(oslo(2026, 12, 8, 2, 32), 4) == oslo(2026, 12, 8, 12, 0)


def test_it_skips_the_weekend_and_a_holiday_monday():
    # Friday 14 May 2027 at 15:00; the weekend and Monday 17 May are closed.
    assert NORWAY.add_open_hours(oslo(2027, 5, 14, 15, 0), 4) == oslo(2027, 5, 18, 11, 0)


def test_it_makes_meet_immediately_the_next_open_moment():
    assert NORWAY.next_open_moment(oslo(2026, 12, 5, 22, 0)) == oslo(2026, 12, 7, 8, 0)  # Saturday night
    assert NORWAY.next_open_moment(oslo(2026, 12, 7, 9, 15)) == oslo(2026, 12, 7, 9, 15)
    assert NORWAY.next_open_moment(oslo(2026, 12, 7, 16, 0)) == oslo(2026, 12, 8, 8, 0)


def test_it_counts_open_time_between_two_moments():
    assert NORWAY.open_time_between(oslo(2026, 12, 4, 15, 0), oslo(2026, 12, 7, 9, 30)) == timedelta(hours=2.5)
    assert NORWAY.open_time_between(oslo(2026, 12, 7, 9, 0), oslo(2026, 12, 7, 8, 0)) == timedelta(0)


def test_it_answers_in_the_clinics_time_zone_whatever_zone_it_is_given():
    utc_night = datetime(2026, 12, 7, 7, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Oslo
    assert NORWAY.is_open(utc_night)
    assert NORWAY.add_open_hours(utc_night, 1) == oslo(2026, 12, 7, 9, 30)


def test_it_refuses_a_naive_datetime_and_negative_hours():
    with pytest.raises(ValueError):
        NORWAY.is_open(datetime(2026, 12, 7, 12, 0))
    with pytest.raises(ValueError):
        NORWAY.add_open_hours(oslo(2026, 12, 7, 12, 0), -1)


def test_it_refuses_a_calendar_without_opening_hours():
    closed = ClinicCalendar(jurisdiction="NO", opening_hours={}, time_zone=OSLO)
    with pytest.raises(ValueError):
        closed.next_open_moment(oslo(2026, 12, 7, 12, 0))


def test_it_reads_the_jurisdiction_time_zone_and_opening_hours_from_the_settings(settings):
    settings.BILLING_JURISDICTION = "US"
    settings.TIME_ZONE = "America/New_York"
    settings.CLINIC_OPENING_HOURS = {5: ("10:00", "14:00")}  # Saturdays only
    with time_machine.travel(datetime(2027, 1, 4, 12, 0, tzinfo=NEW_YORK), tick=False):
        calendar = clinic_calendar.clinic_calendar()
        assert calendar.opening_hours == {5: (time(10), time(14))}
        assert calendar.next_open_moment(datetime.now(NEW_YORK)) == datetime(2027, 1, 9, 10, 0, tzinfo=NEW_YORK)


def test_it_refuses_opening_hours_that_close_before_they_open(settings):
    settings.CLINIC_OPENING_HOURS = {0: ("16:00", "08:00")}
    with pytest.raises(ValueError):
        clinic_calendar.clinic_calendar()


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
    minutes=st.integers(min_value=0, max_value=60 * 80),
    calendar=st.sampled_from([NORWAY, USA, FRANCE]),
)
def test_it_lands_inside_opening_hours_with_exactly_the_open_time_asked_for(start, minutes, calendar):
    begin = start.replace(tzinfo=calendar.time_zone)
    due = calendar.add_open_hours(begin, timedelta(minutes=minutes))
    assert due >= begin
    assert calendar.open_time_between(begin, due) == timedelta(minutes=minutes)
    window = calendar.window_on(due.date())
    assert window is not None and window[0] <= due <= window[1]
