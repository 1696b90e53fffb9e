from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    return {"CLINIC": settings.CLINIC, "BILLING_JURISDICTION": settings.BILLING_JURISDICTION}


# The staff menu's entries: the URL namespace of their pages and, where one app's pages sit under several
# entries, the beginnings of their URL names. The menu marks the entry of the page shown (`nav_section`).
NAV_SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "worklist": ("frontdesk", ("home",)),
    "complaints": ("disputes", ("complaint-",)),
    "approvals": ("disputes", ("adjustment-",)),
    "calls": ("collections", ("call-",)),
    "cases": ("collections", ("case-",)),
    "print": ("collections", ("print-",)),
    "schedule": ("collections", ("schedule-",)),
    "aging": ("collections", ("aging-",)),
    "bankfiles": ("bankfiles", ("bank-file-", "queue-", "transaction-")),
    "policy": ("office", ("policy-",)),
    "reports": ("office", ("complaint-report",)),
    "audit": ("compliance", ("audit-log",)),
    "help": ("portal", ("help-article-",)),
    "estimates": ("portal", ("estimate-",)),
    "catalogue": ("catalogue", ("service-",)),
    "refunds": ("invoices", ("refund-", "credit-apply")),
}


def nav_section(namespace: str, url_name: str) -> str:
    """The staff menu entry a page belongs to, or "" for a page under none (a patient's account, an invoice)."""
    for section, (section_namespace, beginnings) in NAV_SECTIONS.items():
        if namespace == section_namespace and url_name.startswith(beginnings):
            return section
    return ""


def staff_nav(request: HttpRequest) -> dict[str, object]:
    match = request.resolver_match
    return {"nav_section": nav_section(match.namespace, match.url_name or "") if match else ""}
