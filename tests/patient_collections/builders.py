"""What several collections tests build the same way: a moment in the clinic's time zone, and a day of the
office's work (the sweep, the worker sending, billing printing the day's letters)."""

from datetime import date, datetime, time

from django.utils import timezone

from patient_collections import services
from patient_collections.models import Reminder


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """`hour`:`minute` on `day`, in the clinic's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def run_day(day: date, hour: int = 10) -> list[Reminder]:
    """What beat, the worker and the staff printing the day's letters do on `day`: sweep, send what was queued,
    print the batch (the letters count as sent from then). Returns the notices the sweep queued, as they ended."""
    result = services.reminders_sweep(today=day, enqueue=False)
    for reminder_id in result.reminder_ids:
        services.reminder_send(reminder_id=reminder_id, now=at(day, hour))
    services.reminders_record_printed(now=at(day, hour))
    return [Reminder.objects.get(pk=reminder_id) for reminder_id in result.reminder_ids]
