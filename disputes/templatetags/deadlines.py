"""A complaint's meeting deadline in words, rendered from Python: lists show one per row, and the partial it
replaces cost an include, three translations and a plural per row."""

from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from ..selectors import Deadline

register = template.Library()


@register.simple_tag
def deadline_status(deadline: Deadline) -> SafeString:
    """`{% deadline_status deadline %}`: "✓ Met", "! Overdue by 3 hours", "in 5 hours" or "within the hour"."""
    if deadline.met:
        return mark_safe(  # noqa: S308 - a translation of our own, as the template showed it
            f'<span class="deadline deadline-met"><span class="status-icon" aria-hidden="true">✓</span> '
            f"{gettext('Met')}</span>"
        )
    hours = escape(localize(deadline.hours))
    if deadline.overdue:
        late = (
            ngettext("by %(hours)s hour", "by %(hours)s hours", deadline.hours) % {"hours": hours}
            if deadline.hours
            else gettext("by less than an hour")
        )
        return mark_safe(  # noqa: S308 - translations of our own and an escaped number
            '<span class="deadline deadline-overdue"><span class="status-icon" aria-hidden="true">!</span> '
            f"<strong>{gettext('Overdue')}</strong> {late}</span>"
        )
    if deadline.hours:
        return mark_safe(ngettext("in %(hours)s hour", "in %(hours)s hours", deadline.hours) % {"hours": hours})  # noqa: S308
    return mark_safe(gettext("within the hour"))  # noqa: S308 - a translation of our own
