"""A patient's main path through the portal on a phone-sized screen, in Debian's chromium driven by Playwright:
sign in, open a bill, copy the payment reference, download the PDF, switch to Norwegian. axe-core checks
the sign-in page, the bill list and the bill page for serious or critical accessibility problems.
"""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import fits_the_screen, serious_axe_problems
from tests.factories import PatientFactory, UserFactory, issued_invoice


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
    assert serious_axe_problems(page) == []
    assert fits_the_screen(page)
    page.get_by_label("Email address").fill("Kari@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Your bills")).to_be_visible()
    assert serious_axe_problems(page) == []
    assert fits_the_screen(page)
    page.get_by_role("link", name="Consultation with a general practitioner and 1 more").click()

    expect(page.get_by_role("heading", name=re.compile("Bill for your visit on"))).to_be_visible()
    expect(page.locator("#payment-reference")).to_have_text(invoice.payment_reference or "")
    assert serious_axe_problems(page) == []
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
