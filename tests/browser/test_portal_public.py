"""Public portal pages on a phone-sized screen: help, an article, prices; axe finds nothing serious on them."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]

# Playwright's sync API runs an event loop in this thread; Django refuses database access from a thread
# with a running loop unless told it is safe, which it is here (the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def phone_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_shows_help_and_prices_to_a_visitor_on_a_phone(live_server, phone_page):
    from playwright.sync_api import expect

    page = phone_page
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))

    page.goto(f"{live_server.url}/portal/help/")
    expect(page.get_by_role("heading", level=1, name="Help with your bill")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_violations(page) == []

    page.get_by_role("link", name="What can I do if I cannot pay?").click()
    expect(page.get_by_role("heading", level=1, name="What can I do if I cannot pay?")).to_be_visible()
    expect(page.get_by_text("pay in monthly instalments")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_violations(page) == []

    page.get_by_role("link", name="Prices").click()
    expect(page.get_by_role("heading", level=1, name="Prices")).to_be_visible()
    expect(page.get_by_role("heading", name="GP consultation")).to_be_visible()
    expect(page.get_by_text("Not offered at the moment")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_violations(page) == []

    page.get_by_role("link", name="Why do I have a bill when I have an exemption card?").click()
    expect(
        page.get_by_role("heading", level=1, name="Why do I have a bill when I have an exemption card (frikort)?")
    ).to_be_visible()
    assert script_errors == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_shows_the_estimate_form_and_its_errors_accessibly(live_server, phone_page, settings):
    from playwright.sync_api import expect

    settings.BILLING_JURISDICTION = "US"
    page = phone_page

    page.goto(f"{live_server.url}/portal/prices/")
    expect(page.get_by_role("heading", name="Get a good-faith estimate")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_violations(page) == []

    page.get_by_role("button", name="Download the estimate (PDF)").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one service.")
    assert serious_violations(page) == []

    page.get_by_role("checkbox", name=re.compile("GP consultation")).check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the estimate (PDF)").click()
    assert download.value.suggested_filename == "good-faith-estimate.pdf"
