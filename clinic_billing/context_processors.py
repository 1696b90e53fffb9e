from django.conf import settings
from django.contrib.auth.context_processors import PermWrapper
from django.http import HttpRequest
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


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


# The menu's HTML by what it depends on. A few dozen permission sets in a clinic, five languages, a score of
# sections: a bound that is never reached in use only keeps a stray process from growing.
_MENUS: dict[tuple[object, ...], SafeString] = {}
_MENUS_LIMIT = 1024


class StaffMenu:
    """The staff menu and search box (`staff/_menu.html`), rendered when a template shows `{{ staff_menu }}`.

    Rendering it costs a page about 2 ms (fifteen URL reversals, a score of translations and permission checks)
    and it shows the same for everyone with the same permissions, in the same language, on the same section:
    it is rendered once per process for each of those and kept. The permissions are the user's whole set, so
    every `perms.…` check the template makes (or will make) answers the same for the same key.
    """

    def __init__(self, request: HttpRequest, section: str) -> None:
        self.request = request
        self.section = section

    def __html__(self) -> SafeString:
        user = self.request.user
        key = (
            get_language(),
            self.section,
            get_script_prefix(),
            get_urlconf(),
            user.is_active and user.is_superuser,
            frozenset(user.get_all_permissions()),
        )
        html = _MENUS.get(key)
        if html is None:
            context = {"nav_section": self.section, "perms": PermWrapper(user)}
            rendered = get_template("staff/_menu.html").render(context)
            html = mark_safe(rendered)  # noqa: S308 - a template's output, escaped by the template
            if len(_MENUS) >= _MENUS_LIMIT:
                _MENUS.clear()
            _MENUS[key] = html
        return html

    __str__ = __html__


def staff_nav(request: HttpRequest) -> dict[str, object]:
    match = request.resolver_match
    section = nav_section(match.namespace, match.url_name or "") if match else ""
    return {"nav_section": section, "staff_menu": StaffMenu(request, section)}
