"""What kind of service a bill line is, from its code, and the title a bill takes from its lines.

Until the service catalogue gives each line its own kind, the kind is read from the code: the quick services'
codes of every jurisdiction profile (invoices.quick_services) and an explicit map of the other codes in use
(the public price list's and the demo clinic's). `line_service_kind` is the one place to replace when lines
carry their kind.
"""

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Protocol

from django.utils.translation import gettext as _

from .quick_services import CERTIFICATE, NO_SHOW, RECORDS_COPY, quick_services
from .templatetags.money import local_date


class ServiceKind(StrEnum):
    RECORDS_COPY = "records_copy"
    NO_SHOW = "no_show"
    CERTIFICATE = "certificate"
    MATERIALS = "materials"
    LABORATORY = "laboratory"


class HasCode(Protocol):
    code: str


_QUICK_SERVICE_KINDS = {
    RECORDS_COPY: ServiceKind.RECORDS_COPY,
    NO_SHOW: ServiceKind.NO_SHOW,
    CERTIFICATE: ServiceKind.CERTIFICATE,
}

# Codes other than the quick services': the public price list's (portal's seeded ServiceItem codes) and the
# demo clinic's tariff-style codes (demo/demo_data.toml).
_OTHER_CODES = {
    "RECORDS": ServiceKind.RECORDS_COPY,
    "KOPI": ServiceKind.RECORDS_COPY,
    "NO-SHOW": ServiceKind.NO_SHOW,
    "IM": ServiceKind.NO_SHOW,
    "L1": ServiceKind.CERTIFICATE,
    "MAT": ServiceKind.MATERIALS,
    "MAT-DRESS": ServiceKind.MATERIALS,
    "LAB-BLOOD": ServiceKind.LABORATORY,
    "701A": ServiceKind.LABORATORY,
}


def _kinds_by_code() -> dict[str, ServiceKind]:
    codes = dict(_OTHER_CODES)
    for jurisdiction in ("NO", "US", "FR"):
        for service in quick_services(jurisdiction):
            codes[service.code.upper()] = _QUICK_SERVICE_KINDS[service.key]
    return codes


KINDS_BY_CODE = _kinds_by_code()


def line_service_kind(line: HasCode) -> ServiceKind | None:
    """The kind of service a line bills, when it is one a patient often misunderstands; None for the others."""
    return KINDS_BY_CODE.get(line.code.strip().upper())


def bill_title(lines: Iterable[HasCode], service_date: date) -> str:
    """The title of a bill, in the active language, from what it is for: a copy of the records or a missed
    appointment alone is no visit. The bill page, the PDF and the e-mail subject use it."""
    kinds = {line_service_kind(line) for line in lines}
    if kinds == {ServiceKind.RECORDS_COPY}:
        return _("Copy of your medical records")
    if kinds == {ServiceKind.NO_SHOW}:
        return _("Missed appointment on %(date)s") % {"date": local_date(service_date)}
    return _("Bill for your visit on %(date)s") % {"date": local_date(service_date)}
