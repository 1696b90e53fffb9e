"""When the clinic may contact a patient by phone or text message, per jurisdiction (DOMAIN.md). Pure.

No contact on the jurisdiction's public holidays either (the clinic calendar's holiday list), whatever the
weekday's hours say.
"""

from datetime import datetime, time, timedelta

from clinic_calendar import is_public_holiday

# weekday (0 = Monday) -> (from, to); a missing day means no contact that day.
CONTACT_HOURS: dict[str, dict[int, tuple[time, time]]] = {
    "NO": {**{d: (time(8), time(21)) for d in range(5)}, 5: (time(9), time(15))},
    "US": {d: (time(8), time(21)) for d in range(7)},
    "FR": {d: (time(8), time(20)) for d in range(6)},
}
# Long enough to step over any run of holidays and closed weekdays (Easter in Norway closes five days).
SEARCH_DAYS = 15


def _window(moment: datetime, jurisdiction: str) -> tuple[time, time] | None:
    if is_public_holiday(moment.date(), jurisdiction):
        return None
    return CONTACT_HOURS[jurisdiction].get(moment.weekday())


def within_contact_hours(moment: datetime, jurisdiction: str) -> bool:
    """`moment` is local time in the clinic's time zone."""
    window = _window(moment, jurisdiction)
    return window is not None and window[0] <= moment.time() < window[1]


def next_contact_time(moment: datetime, jurisdiction: str) -> datetime:
    """The first moment at or after `moment` inside the contact hours."""
    if within_contact_hours(moment, jurisdiction):
        return moment
    for days_ahead in range(SEARCH_DAYS):
        day = (moment + timedelta(days=days_ahead)).date()
        start = moment.replace(year=day.year, month=day.month, day=day.day, minute=0, second=0, microsecond=0)
        window = _window(start, jurisdiction)
        if window is None:
            continue
        start = start.replace(hour=window[0].hour, minute=window[0].minute)
        if start >= moment:
            return start
    raise ValueError(f"No contact hours configured for {jurisdiction}.")
