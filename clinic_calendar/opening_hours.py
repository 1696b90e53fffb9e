"""When the clinic is open: opening hours per weekday, closed on public holidays (the `holidays` package).

`ClinicCalendar` is pure (no database, no settings, no clock): it answers `is_open(t)`, `next_open_moment(t)`
and `add_open_hours(start, hours)` for aware datetimes, in the clinic's time zone. "Meet within 4 hours"
means four hours while the clinic is open, so a complaint logged at 15:00 on a Friday before a holiday
Monday is due on Tuesday, never at 02:32 in the night.

`clinic_calendar()` builds this deployment's calendar from the settings at call time: the jurisdiction
(`BILLING_JURISDICTION`), the time zone (`TIME_ZONE`) and optional opening hours (`CLINIC_OPENING_HOURS`:
weekday 0 = Monday → ("08:00", "16:00"); a missing weekday is closed). Callers ask that object.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

Window = tuple[time, time]

# Typical opening hours of a clinic's billing office per jurisdiction profile; weekday 0 is Monday.
DEFAULT_OPENING_HOURS: dict[str, dict[int, Window]] = {
    "NO": {day: (time(8), time(16)) for day in range(5)},
    "US": {day: (time(8), time(17)) for day in range(5)},
    "FR": {**{day: (time(8, 30), time(18, 30)) for day in range(5)}, 5: (time(9), time(12))},
}
# The `holidays` country whose public holidays close the clinic, per jurisdiction profile.
HOLIDAY_COUNTRIES = {"NO": "NO", "US": "US", "FR": "FR"}
# A calendar with no open day in this many days is misconfigured (every weekday closed).
SEARCH_DAYS = 400


@lru_cache(maxsize=64)
def _holidays_of(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def is_public_holiday(day: date, jurisdiction: str) -> bool:
    """True on a public holiday of the jurisdiction's country (17 May in Norway, 4 July in the US, …)."""
    country = HOLIDAY_COUNTRIES.get(jurisdiction)
    return country is not None and day in _holidays_of(country, day.year)


@dataclass(frozen=True)
class ClinicCalendar:
    jurisdiction: str
    opening_hours: Mapping[int, Window]
    time_zone: tzinfo

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("The clinic calendar needs an aware datetime.")
        return moment.astimezone(self.time_zone)

    def window_on(self, day: date) -> tuple[datetime, datetime] | None:
        """When the clinic opens and closes on `day`; None when it is closed all day (weekday or holiday)."""
        hours = self.opening_hours.get(day.weekday())
        if hours is None or is_public_holiday(day, self.jurisdiction):
            return None
        opens, closes = hours
        return (
            datetime.combine(day, opens, tzinfo=self.time_zone),
            datetime.combine(day, closes, tzinfo=self.time_zone),
        )

    def is_open(self, moment: datetime) -> bool:
        local = self._local(moment)
        window = self.window_on(local.date())
        return window is not None and window[0] <= local < window[1]

    def next_open_moment(self, moment: datetime) -> datetime:
        """`moment` itself while the clinic is open, otherwise the next opening."""
        return self.add_open_hours(moment, 0)

    def add_open_hours(self, start: datetime, hours: float | timedelta) -> datetime:
        """The moment `hours` of opening time after `start`; nights, closed weekdays and holidays do not count.

        Zero hours is the next open moment ("meet immediately"). A deadline may end exactly at closing time.
        """
        remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if remaining < timedelta(0):
            raise ValueError("Open hours to add cannot be negative.")
        cursor = self._local(start)
        day = cursor.date()
        for _ in range(SEARCH_DAYS):
            window = self.window_on(day)
            if window is not None:
                opens, closes = window
                cursor = max(cursor, opens)
                if cursor < closes:
                    available = closes - cursor
                    if remaining <= available:
                        return cursor + remaining
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), tzinfo=self.time_zone)
        raise ValueError(f"The clinic calendar for {self.jurisdiction} has no opening hours.")

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much opening time lies between two moments (zero when `end` is not after `start`)."""
        cursor, stop = self._local(start), self._local(end)
        total = timedelta(0)
        day = cursor.date()
        while day <= stop.date():
            window = self.window_on(day)
            if window is not None:
                begin, finish = max(window[0], cursor), min(window[1], stop)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total


def _parse_hours(configured: Mapping[int, tuple[str, str] | Window]) -> dict[int, Window]:
    parsed: dict[int, Window] = {}
    for weekday, (opens, closes) in configured.items():
        window = (
            opens if isinstance(opens, time) else time.fromisoformat(opens),
            closes if isinstance(closes, time) else time.fromisoformat(closes),
        )
        if not 0 <= int(weekday) <= 6 or window[0] >= window[1]:
            raise ValueError(f"CLINIC_OPENING_HOURS: weekday {weekday} needs 0–6 and opening before closing.")
        parsed[int(weekday)] = window
    return parsed


def clinic_calendar() -> ClinicCalendar:
    """The calendar of this deployment, from the settings (read on each call, so a test may override them)."""
    from django.conf import settings

    jurisdiction = settings.BILLING_JURISDICTION
    configured = getattr(settings, "CLINIC_OPENING_HOURS", None)
    hours = _parse_hours(configured) if configured else DEFAULT_OPENING_HOURS[jurisdiction]
    return ClinicCalendar(jurisdiction=jurisdiction, opening_hours=hours, time_zone=ZoneInfo(settings.TIME_ZONE))
