"""The catalogue's staff pages on a phone (390 px) and a desk screen (1280 px): no page-wide horizontal scroll
(the tables scroll in their own frame), no serious axe problem, and the office manager sets a price with the
keyboard alone. tests/browser/test_staff_layout.py walks the list with every other menu page."""

from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from catalogue.models import Service, ServicePrice
from tests.browser.conftest import PHONE, fits_the_screen, serious_axe_problems
from tests.conftest import verify_otp
from tests.factories import UserFactory

DESK = {"width": 1280, "height": 900}
# The menu has room for its new entry: "Sign out" stays on one line at 1280 px.
SIGN_OUT_WRAPS = """() => { const b = [...document.querySelectorAll('#staff-nav form button')].pop();
  return b.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(b).lineHeight); }"""


def staff_context(chromium, base_url: str, user: User, viewport: dict[str, int]):
    client = Client()
    client.force_login(user)
    verify_otp(client, user)
    context = chromium.new_context(locale="en-GB", viewport=viewport, is_mobile=viewport == PHONE)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280px", "390px"])
def test_the_catalogue_pages_fit_the_screen_and_pass_axe(live_server, chromium, viewport):
    manager = UserFactory(username="cat_manager", roles=["office_manager"])
    reader = UserFactory(username="cat_billing", roles=["billing"])
    service = Service.objects.get(code="2ad")
    pages = {
        manager: [
            reverse("catalogue:service-list"),
            f"{reverse('catalogue:service-list')}?missing=1",
            reverse("catalogue:service-new"),
            reverse("catalogue:service-detail", args=[service.pk]),
        ],
        reader: [reverse("catalogue:service-list"), reverse("catalogue:service-detail", args=[service.pk])],
    }
    problems: list[str] = []
    for user, urls in pages.items():
        context = staff_context(chromium, live_server.url, user, viewport)
        page = context.new_page()
        for url in urls:
            response = page.goto(f"{live_server.url}{url}")
            where = f"[{user.username}] {url} at {viewport['width']} px"
            if response is None or response.status != 200:
                problems.append(f"{where}: HTTP {response.status if response else 'no response'}")
                continue
            if not fits_the_screen(page):
                problems.append(f"{where}: the page is wider than the screen")
            if viewport == DESK and page.evaluate(SIGN_OUT_WRAPS):
                problems.append(f"{where}: the menu's 'Sign out' wraps")
            problems.extend(f"{where}: {line}" for line in serious_axe_problems(page))
        context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_office_manager_sets_a_price_with_the_keyboard(live_server, chromium):
    manager = UserFactory(username="cat_keys", roles=["office_manager"])
    service = Service.objects.get(code="2ad")
    context = staff_context(chromium, live_server.url, manager, DESK)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('catalogue:service-detail', args=[service.pk])}")

    page.get_by_label("New price").focus()
    page.keyboard.type("199.00")
    page.get_by_label("Valid from").fill("2027-01-01")
    page.get_by_label("Valid from").press("Enter")

    page.get_by_text("The new price of 2ad applies from 2027-01-01.").wait_for()
    latest = ServicePrice.objects.filter(service=service).order_by("-valid_from").first()
    assert (str(latest.amount), latest.valid_from) == ("199.00", date(2027, 1, 1))
    context.close()
