"""A patient's main path through the portal on a phone-sized screen, in Debian's chromium driven by Playwright:
sign in, open a bill, copy the payment reference, download the PDF, switch to Norwegian. axe-core checks
the sign-in page, the bill list and the bill page for serious or critical accessibility problems.
"""

import os
import re
from pathlib import Path

import pytest

from tests.factories import PatientFactory, UserFactory, issued_invoice

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}

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
        context = browser.new_context(locale="en-GB", viewport=PHONE, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}: {node['failureSummary']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
        if violation["impact"] in ("serious", "critical")
    ]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_takes_a_patient_from_sign_in_to_a_bill_its_pdf_and_norwegian(live_server, phone_page):
    from playwright.sync_api import expect

    user = UserFactory(username="kari@example.org", email="kari@example.org")
    patient = PatientFactory(name="Kari Nordmann", email="kari@example.org", language="en", user=user)
    invoice = issued_invoice(patient)
    page = phone_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    problems: list[str] = []  # script errors and failed loads (a missing static file shows up here)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Sign in to see your bills")).to_be_visible()
    assert serious_violations(page) == []
    assert fits_the_screen(page)
    page.get_by_label("Email address").fill("Kari@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Your bills")).to_be_visible()
    assert serious_violations(page) == []
    assert fits_the_screen(page)
    page.get_by_role("link", name="Consultation with a general practitioner and 1 more").click()

    expect(page.get_by_role("heading", name=re.compile("Bill for your visit on"))).to_be_visible()
    expect(page.locator("#payment-reference")).to_have_text(invoice.payment_reference or "")
    assert serious_violations(page) == []
    assert fits_the_screen(page)

    page.get_by_role("button", name="Copy payment reference").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == invoice.payment_reference

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the bill (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"bill-{invoice.number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.get_by_label("Language").select_option("nb")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", name="Slik betaler du")).to_be_visible()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    patient.refresh_from_db()
    assert patient.language == "nb"
    assert problems == []
