"""Which help article explains a bill line: the link the bill page shows next to the line.

The slugs are stable addresses (portal.models.HelpArticle.slug, seeded in every portal language by the
portal's migrations): links printed or bookmarked keep working when staff edit an article's text.
`line_help_slug` reads the help article the line's catalogue service names (kept on the line when it was
written), else maps the line by the kind of service it bills (invoices.line_kinds).
"""

from collections.abc import Iterable
from typing import Protocol

from catalogue.vocabulary import ServiceKind
from invoices.line_kinds import line_service_kind

from .models import HelpArticle

EXEMPTION_CARD = "exemption-card"  # frikort and materials: what the card never covers
RECORDS_COPY = "records-copy"  # a copy of the records is charged, and no card or insurer covers it
TERMINAL_SHOWED_ZERO = "terminal-showed-zero"  # paid at the terminal before the visit was registered
LAB_CHARGE_SEPARATELY = "lab-charge-separately"  # the laboratory's charge came on its own, paid in part

_ARTICLE_OF_KIND: dict[str, str] = {
    ServiceKind.MATERIAL: EXEMPTION_CARD,
    ServiceKind.RECORDS_COPY: RECORDS_COPY,
    ServiceKind.LAB: LAB_CHARGE_SEPARATELY,
}


class HasCode(Protocol):
    code: str


def line_help_slug(line: HasCode) -> str | None:
    """The slug of the help article that explains this line, or None when no article does."""
    slug = getattr(line, "help_article_slug", "")
    if slug:
        return str(slug)
    kind = line_service_kind(line)
    return _ARTICLE_OF_KIND.get(kind) if kind is not None else None


def published_help_slugs(slugs: Iterable[str | None]) -> set[str]:
    """Those of `slugs` with a published article in some language (one query, none for no slug): a line links
    only to an article a reader can open."""
    wanted = {slug for slug in slugs if slug}
    if not wanted:
        return set()
    return set(HelpArticle.objects.filter(slug__in=wanted, is_published=True).values_list("slug", flat=True))
