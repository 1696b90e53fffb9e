"""Contact hours per jurisdiction also skip public holidays (signatures unchanged: reminders call them)."""

from datetime import datetime

from patient_collections.contact_hours import next_contact_time, within_contact_hours


def test_it_allows_contact_on_a_weekday_evening_in_norway():
    assert within_contact_hours(datetime(2027, 5, 18, 20, 30), "NO")


def test_it_refuses_contact_on_norways_constitution_day():
    assert not within_contact_hours(datetime(2027, 5, 17, 12, 0), "NO")  # a Monday


def test_it_refuses_contact_on_christmas_day_in_the_us_although_every_weekday_is_open():
    assert not within_contact_hours(datetime(2026, 12, 25, 12, 0), "US")


def test_it_moves_the_next_contact_past_a_holiday_to_the_next_morning():
    assert next_contact_time(datetime(2027, 5, 16, 22, 0), "NO") == datetime(2027, 5, 18, 8, 0)


def test_it_moves_a_sunday_night_contact_to_monday_morning():
    assert next_contact_time(datetime(2026, 12, 6, 23, 0), "NO") == datetime(2026, 12, 7, 8, 0)


def test_it_moves_past_the_easter_holidays_in_norway():
    # Maundy Thursday 25 March 2027 to Easter Monday 29 March: Saturday still has its 09–15 hours.
    assert next_contact_time(datetime(2027, 3, 24, 21, 30), "NO") == datetime(2027, 3, 27, 9, 0)


def test_it_keeps_a_moment_already_inside_the_contact_hours():
    moment = datetime(2026, 12, 7, 10, 17)
    assert next_contact_time(moment, "NO") == moment
