"""The billing clerk's main path through the staff screens, in Debian's chromium driven by Playwright."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from invoices.templatetags.money import money
from tests.conftest import sign_in_in_browser
from tests.factories import PatientFactory, UserFactory, issued_invoice


def en_money(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_takes_a_billing_clerk_from_search_to_a_recorded_payment(live_server, browser_page):
    from playwright.sync_api import expect

    UserFactory(username="bjorn_billing", roles=["billing"])
    patient = PatientFactory(name="Kari Nordmann")
    PatientFactory(name="Ivan Petrov")
    invoice = issued_invoice(patient)  # the patient owes 71.00; the insurer is expected to pay 400.00
    page = browser_page
    problems: list[str] = []  # script errors and failed loads (a missing vendored file shows up here)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    sign_in_in_browser(page, live_server.url, "bjorn_billing")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()

    page.locator("body").press("/")
    expect(page.locator("#main-search")).to_be_focused()
    page.keyboard.type("Nordm")
    page.locator("#search-results").get_by_role("link", name="Kari Nordmann").click()

    # The patient is on the phone: the clerk identifies them before the account shows the balance.
    page.get_by_label("The patient", exact=True).check()
    page.get_by_role("button", name="Record who is calling").click()
    expect(page.locator("#account-balance")).to_have_text(en_money("71.00"))
    page.get_by_role("region", name="Invoices").get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", name=re.compile(f"Invoice {invoice.number}"))).to_be_visible()

    pdf_url = page.get_by_role("link", name="Download PDF").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{pdf_url}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"

    page.get_by_role("link", name="Record payment").click()
    page.get_by_label("Amount").fill("50.00")
    page.get_by_label("Method").select_option(label="Card")
    page.get_by_label("Reference").fill("Terminal receipt 8812")
    page.get_by_role("button", name="Record payment").click()

    expect(page.get_by_role("status").filter(has_text="Payment of")).to_contain_text(en_money("50.00"))
    expect(page.locator("#account-balance")).to_have_text(en_money("21.00"))
    expect(page.locator("#invoice-patient-due")).to_have_text(en_money("21.00"))
    assert problems == []
