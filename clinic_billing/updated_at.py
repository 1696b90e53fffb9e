"""`updated_at` that every write moves, so an integration can sync by `updated_since` (issue 19, item 3).

Django's `auto_now` is set by `save()` but left out of a save with `update_fields` (which every service here
uses) and out of `QuerySet.update()`. `TracksUpdates` adds the column to those writes; a model's queryset
is a `TouchesUpdatedAt` so a bulk update moves it too.
"""

from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from clinic_billing.audited import AuditedQuerySet

_M = TypeVar("_M", bound=models.Model)


class TracksUpdates(models.Model):
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class TouchesUpdatedAt(AuditedQuerySet[_M]):
    """An audited queryset whose bulk update moves `updated_at` as well."""

    def update(self, **kwargs: Any) -> int:
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)
