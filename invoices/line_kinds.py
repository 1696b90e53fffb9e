"""What kind of service a bill line is, and the title a bill takes from its lines.

A line written from the service catalogue keeps its service's kind (InvoiceLine.service_kind). A line written
before the catalogue, or under a code it does not know, is read from its code with an explicit map of the codes
in use before (the old price list's and the demo clinic's), so old bills keep their titles and help links.
"""

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from django.utils.translation import gettext as _

from catalogue.default_catalogue import SERVICES
from catalogue.vocabulary import ServiceKind

from .templatetags.money import local_date


class HasCode(Protocol):
    code: str


# Lines written before the catalogue carry no kind: their code says it. The default catalogues' codes of every
# jurisdiction (catalogue.default_catalogue), and the codes used before it (the old price list, quick services).
_CODES_BEFORE_THE_CATALOGUE = {
    "RECORDS": ServiceKind.RECORDS_COPY,
    "JOURNAL": ServiceKind.RECORDS_COPY,
    "NO-SHOW": ServiceKind.NO_SHOW,
    "IKKEMOTT": ServiceKind.NO_SHOW,
    "ATTEST": ServiceKind.CERTIFICATE,
    "MAT-DRESS": ServiceKind.MATERIAL,
    "LAB-BLOOD": ServiceKind.LAB,
}
KINDS_BY_CODE: dict[str, str] = {
    **{service.code.upper(): service.kind for services in SERVICES.values() for service in services},
    **_CODES_BEFORE_THE_CATALOGUE,
}


def line_service_kind(line: HasCode) -> str | None:
    """The kind of service a line bills: its catalogue snapshot's, else what its code says; None if unknown."""
    return getattr(line, "service_kind", "") or KINDS_BY_CODE.get(line.code.strip().upper())


def bill_title(lines: Iterable[HasCode], service_date: date) -> str:
    """The title of a bill, in the active language, from what it is for: a copy of the records or a missed
    appointment alone is no visit. The bill page, the PDF and the e-mail subject use it."""
    kinds = {line_service_kind(line) for line in lines}
    if kinds == {ServiceKind.RECORDS_COPY}:
        return _("Copy of your medical records")
    if kinds == {ServiceKind.NO_SHOW}:
        return _("Missed appointment on %(date)s") % {"date": local_date(service_date)}
    return _("Bill for your visit on %(date)s") % {"date": local_date(service_date)}
