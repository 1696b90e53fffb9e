"""Every staff page, as each staff role, on a phone (390 px) and a desk screen (1280 px): no page-wide
horizontal scroll (tables scroll inside their own wrapper), every visible button on screen, a usable search box
and an unwrapped "Sign out" at 1280 px, and no serious or critical axe-core problem. English walks every page
the menu reaches plus an account, an invoice (issued and draft), a complaint and a collection case; the other
four languages walk the account and the invoice pages.

Run with `-s` to see the axe counts per page."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from catalogue.models import Service
from demo.seeding import demo_seed
from disputes.models import Complaint
from invoices.models import Invoice
from patient_collections.models import CollectionCase
from tests.browser.conftest import PHONE, fits_the_screen
from tests.conftest import verify_otp

DESK = {"width": 1280, "height": 900}
ROLES = ["frontdesk", "billing", "manager", "provider"]
OTHER_LANGUAGES = ["fr", "pt", "nb", "ru"]

# Buttons outside a table's own scrolling wrapper whose right edge is past the screen's.
BUTTONS_OFF_SCREEN = """() => [...document.querySelectorAll('button, a.btn, input[type=submit]')]
  .filter(el => el.offsetParent !== null && !el.closest('.table-responsive, .dropdown-menu'))
  .filter(el => { const r = el.getBoundingClientRect();
                  return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1); })
  .map(el => (el.innerText || el.value || el.getAttribute('aria-label') || el.outerHTML.slice(0, 60)).trim())"""

NAVBAR_AT_DESK = """() => {
  const search = document.querySelector('#nav-search');
  const signOut = [...document.querySelectorAll('#staff-nav form button')].pop();
  const lineHeight = parseFloat(getComputedStyle(signOut).lineHeight) || 20;
  return {search: search.getBoundingClientRect().width,
          signOutLines: Math.round((signOut.clientHeight - parseFloat(getComputedStyle(signOut).paddingTop)
                                   - parseFloat(getComputedStyle(signOut).paddingBottom)) / lineHeight)};
}"""


def axe_counts(page) -> tuple[int, list[str]]:
    """How many serious or critical axe violations (nodes) the page has, and one line for each rule."""
    from axe_playwright_python.sync_playwright import Axe

    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']} at " + "; ".join(str(n["target"]) for n in v["nodes"][:4])
        for v in violations
    ]
    return sum(len(v["nodes"]) for v in violations), lines


def signed_in_context(chromium, base_url: str, username: str, viewport: dict[str, int], language: str):
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    verify_otp(client, user)
    mobile = viewport == PHONE
    context = chromium.new_context(locale="en-GB", viewport=viewport, is_mobile=mobile, has_touch=mobile)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url},
        ]
    )
    return context


def menu_pages(page, base_url: str) -> list[str]:
    """Every page the staff menu links to (the dropdown's entries too)."""
    page.goto(f"{base_url}{reverse('frontdesk:home')}")
    hrefs = page.eval_on_selector_all(
        "#staff-nav a[href]", "links => links.map(a => a.getAttribute('href')).filter(h => h.startsWith('/'))"
    )
    return list(dict.fromkeys(hrefs))


def check(page, url: str, viewport: dict[str, int], who: str, results: dict[str, int]) -> list[str]:
    """Open `url` and return what is wrong with it; record its axe count under `who` and the screen width."""
    response = page.goto(url)
    where = f"[{who}] {url} at {viewport['width']} px"
    if response is None or response.status != 200:
        return [f"{where}: HTTP {response.status if response else 'no response'}"]
    problems: list[str] = []
    if not fits_the_screen(page):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"{where}: the page is {width} px wide")
    off_screen = page.evaluate(BUTTONS_OFF_SCREEN)
    if off_screen:
        problems.append(f"{where}: buttons off screen: {off_screen}")
    if viewport == DESK:
        navbar = page.evaluate(NAVBAR_AT_DESK)
        if navbar["search"] < 160:
            problems.append(f"{where}: the search box is {navbar['search']:.0f} px wide")
        if navbar["signOutLines"] > 1:
            problems.append(f"{where}: 'Sign out' wraps onto {navbar['signOutLines']} lines")
    count, axe_lines = axe_counts(page)
    results[where] = count
    problems.extend(f"{where}: {line}" for line in axe_lines)
    return problems


@pytest.fixture
def clinic(db):
    """The demo data (patients in five languages, invoices in every state, complaints, a callback), and a case."""
    demo_seed()
    invoice = Invoice.objects.filter(status=Invoice.Status.ISSUED, patient__name="Kari Nordmann").first()
    assert invoice is not None
    CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due or Decimal("100.00"))
    draft = Invoice.objects.filter(status=Invoice.Status.DRAFT).first()
    assert draft is not None
    return {
        "account": reverse("frontdesk:patient-detail", args=[invoice.patient_id]),
        "invoice": reverse("frontdesk:invoice-detail", args=[invoice.pk]),
        "draft": reverse("frontdesk:invoice-detail", args=[draft.pk]),
        "complaint": reverse("disputes:complaint-detail", args=[Complaint.objects.order_by("pk").first().pk]),
        "case": reverse("collections:case-detail", args=[CollectionCase.objects.get().pk]),
        "my_account": reverse("sessions:my-account"),
        "service": reverse("catalogue:service-detail", args=[Service.objects.get(code="2ad").pk]),
    }


def role_pages(role: str, menu: list[str], clinic: dict[str, str]) -> list[str]:
    pages = [*menu, clinic["account"], clinic["invoice"], clinic["draft"], clinic["my_account"]]
    user = User.objects.get(username=role)
    if user.has_perm("disputes.view_complaint"):
        pages.append(clinic["complaint"])
    if user.has_perm("patient_collections.view_collectioncase"):
        pages.append(clinic["case"])
    if user.has_perm("catalogue.view_service"):
        pages.append(clinic["service"])
    return list(dict.fromkeys(pages))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_staff_page_fits_both_screens_and_passes_axe_for_every_role(live_server, chromium, clinic):
    results: dict[str, int] = {}
    problems: list[str] = []
    for role in ROLES:
        menu: list[str] = []
        for viewport in (DESK, PHONE):
            context = signed_in_context(chromium, live_server.url, role, viewport, "en")
            page = context.new_page()
            page.set_default_timeout(15_000)
            menu = menu or menu_pages(page, live_server.url)
            for url in role_pages(role, menu, clinic):
                problems.extend(check(page, f"{live_server.url}{url}", viewport, f"{role}, en", results))
            context.close()
    for language in OTHER_LANGUAGES:
        for viewport in (DESK, PHONE):
            context = signed_in_context(chromium, live_server.url, "billing", viewport, language)
            page = context.new_page()
            page.set_default_timeout(15_000)
            for url in (clinic["account"], clinic["invoice"]):
                problems.extend(check(page, f"{live_server.url}{url}", viewport, f"billing, {language}", results))
            context.close()
    print("\naxe serious/critical nodes per page:")
    for where, count in sorted(results.items()):
        print(f"  {count:3d}  {where.replace(live_server.url, '')}")
    assert problems == [], "\n".join(problems)
