"""Reads of the events feed."""

from collections.abc import Sequence

from django.db.models import QuerySet

from .models import Event


def events_after(*, after: int, types: Sequence[str]) -> QuerySet[Event]:
    """Events of `types` with an id greater than `after`, oldest first."""
    return Event.objects.filter(pk__gt=after, type__in=list(types)).order_by("id")
