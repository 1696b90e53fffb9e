"""The staff menu marks the entry of the page shown, by the page's URL namespace and name."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from clinic_billing.context_processors import NAV_SECTIONS, nav_section
from clinic_billing.read_audit import routes


@pytest.mark.parametrize(
    ("view_name", "section"),
    [
        ("frontdesk:home", "worklist"),
        ("frontdesk:patient-detail", ""),
        ("frontdesk:invoice-detail", ""),
        ("disputes:complaint-list", "complaints"),
        ("disputes:complaint-detail", "complaints"),
        ("disputes:adjustment-queue", "approvals"),
        ("office:complaint-report", "reports"),
        ("office:complaint-report-csv", "reports"),
        ("office:policy-edit", "policy"),
        ("collections:call-list", "calls"),
        ("collections:case-detail", "cases"),
        ("collections:print-batch", "print"),
        ("collections:schedule-edit", "schedule"),
        ("collections:aging-report", "aging"),
        ("compliance:audit-log", "audit"),
        ("portal:help-article-list", "help"),
        ("catalogue:service-list", "catalogue"),
        ("catalogue:service-price-new", "catalogue"),
        ("portal:portal-home", ""),
    ],
)
def test_each_page_belongs_to_its_menu_entry(view_name: str, section: str) -> None:
    namespace, url_name = view_name.split(":")
    assert nav_section(namespace, url_name) == section


def test_every_menu_entry_has_pages_and_no_page_is_under_two() -> None:
    names = [name for name, _pattern in routes() if ":" in name]
    sections = {section: [n for n in names if nav_section(*n.split(":", 1)) == section] for section in NAV_SECTIONS}
    assert all(sections.values()), {section: pages for section, pages in sections.items() if not pages}
    for name in names:
        namespace, url_name = name.split(":", 1)
        matching = [
            section
            for section, (ns, beginnings) in NAV_SECTIONS.items()
            if ns == namespace and url_name.startswith(beginnings)
        ]
        assert len(matching) <= 1, (name, matching)


def current_link(html: str) -> str:
    """The link the menu marks as the page shown."""
    at = html.index('aria-current="page"')
    return html[html.rindex("<a ", 0, at) : html.index(">", at)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("view_name", "marked"),
    [("office:complaint-report", "office:complaint-report"), ("disputes:complaint-list", "disputes:complaint-list")],
)
def test_the_menu_marks_reports_and_complaints_apart(client_for, manager, view_name: str, marked: str) -> None:
    response = client_for(manager).get(reverse(view_name))
    assert response.status_code == 200
    assert f'href="{reverse(marked)}"' in current_link(response.content.decode())


@pytest.mark.django_db
def test_the_kept_menu_follows_the_users_permissions_and_language(client_for, front_desk) -> None:
    client = client_for(front_desk)
    aging = f'href="{reverse("collections:aging-report")}"'
    assert aging not in client.get(reverse("frontdesk:home")).content.decode()

    front_desk.user_permissions.add(Permission.objects.get(codename="view_collectioncase"))
    html = client.get(reverse("frontdesk:home")).content.decode()
    assert aging in html
    assert ">Aging</a>" in html

    html = client.get(reverse("frontdesk:home"), HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert aging in html
    with translation.override("nb"):
        assert f">{translation.gettext('Aging')}</a>" in html
    assert ">Aging</a>" not in html
