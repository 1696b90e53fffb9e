"""When the clinic may contact a patient by phone or text message, per jurisdiction (DOMAIN.md). Pure."""

from datetime import datetime, time, timedelta

# weekday (0 = Monday) -> (from, to); a missing day means no contact that day.
CONTACT_HOURS: dict[str, dict[int, tuple[time, time]]] = {
    "NO": {**{d: (time(8), time(21)) for d in range(5)}, 5: (time(9), time(15))},
    "US": {d: (time(8), time(21)) for d in range(7)},
    "FR": {d: (time(8), time(20)) for d in range(6)},
}


def within_contact_hours(moment: datetime, jurisdiction: str) -> bool:
    """`moment` is local time in the clinic's time zone."""
    window = CONTACT_HOURS[jurisdiction].get(moment.weekday())
    return window is not None and window[0] <= moment.time() < window[1]


def next_contact_time(moment: datetime, jurisdiction: str) -> datetime:
    """The first moment at or after `moment` inside the contact hours."""
    if within_contact_hours(moment, jurisdiction):
        return moment
    for days_ahead in range(8):
        day = (moment + timedelta(days=days_ahead)).date()
        window = CONTACT_HOURS[jurisdiction].get(day.weekday())
        if window is None:
            continue
        start = moment.replace(
            year=day.year, month=day.month, day=day.day, hour=window[0].hour, minute=0, second=0, microsecond=0
        )
        if start >= moment:
            return start
    raise ValueError(f"No contact hours configured for {jurisdiction}.")
