"""The front desk's first day (issue 16), in Debian's chromium: register a patient, bill a walk-in visit from
the quick services, record a promise to pay, register a proxy, log a third-party call, and see it all on the
patient's timeline."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from invoices.models import Invoice
from patients.models import CallerCheck, Patient
from tests.browser.conftest import watch_for_problems
from tests.conftest import sign_in_in_browser
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_desk_registers_bills_and_sees_it_all_on_the_timeline(live_server, browser_page):
    from playwright.sync_api import expect

    UserFactory(username="frida_frontdesk", roles=["front_desk"])
    page = browser_page
    problems = watch_for_problems(page)
    promised = (timezone.localdate() + timedelta(days=7)).isoformat()

    sign_in_in_browser(page, live_server.url, "frida_frontdesk")
    page.goto(f"{live_server.url}/patients/search/")
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Name", exact=True).fill("Sigrid Undset")
    page.get_by_label("Date of birth").fill("1982-05-20")
    page.get_by_label("Preferred channel").select_option("sms")
    page.get_by_role("textbox", name=re.compile("^Phone")).fill("+47 400 12 345")
    page.get_by_role("button", name="Register a new patient").click()
    expect(page.get_by_role("heading", name="Sigrid Undset")).to_be_visible()
    patient = Patient.objects.get(name="Sigrid Undset")

    # Nobody is on the line yet: the balance stays hidden until the clerk says so.
    expect(page.locator("#account-balance-hidden")).to_be_visible()
    page.get_by_label("Nobody: back-office work").check()
    page.get_by_role("button", name="Record who is calling").click()
    expect(page.locator("#account-balance")).to_be_visible()

    # A walk-in certificate, billed in two clicks.
    page.locator("#quick-invoice summary").click()
    page.get_by_role("button", name=re.compile("Medical certificate")).click()
    invoice = Invoice.objects.get(patient=patient)
    expect(page.get_by_role("heading", name=re.compile(f"Invoice {invoice.number}"))).to_be_visible()
    page.get_by_role("link", name="Sigrid Undset").click()

    page.get_by_role("link", name="Promise to pay").click()
    page.get_by_label("Promised to pay by").fill(promised)
    page.get_by_label("Amount promised").fill("500.00")
    page.get_by_role("button", name="Save the promise").click()
    expect(page.locator("#promise-running")).to_be_visible()

    page.get_by_role("link", name="Register a proxy").click()
    page.get_by_label("Name", exact=True).fill("Anders Undset")
    page.get_by_label("Relationship").fill("son")
    page.get_by_label("Document reference").fill("Signed fullmakt, folder 12")
    page.get_by_role("button", name="Register the proxy").click()
    expect(page.get_by_text("Anders Undset may now speak for the patient.")).to_be_visible()

    page.get_by_label("Note").fill("Called, promised to pay Friday")
    page.get_by_role("button", name="Save note").click()

    # A neighbour calls about the bill: refused and logged.
    page.get_by_role("button", name="End of conversation: hide the account").click()
    page.get_by_label("Someone else").check()
    page.get_by_label("Name the caller gave").fill("Per Naboen")
    page.get_by_role("button", name="Record who is calling").click()
    expect(page.locator("#someone-else-stop")).to_contain_text("Per Naboen")
    expect(page.locator("#account-balance")).to_have_count(0)
    assert CallerCheck.objects.filter(caller_name="Per Naboen", allowed=False).exists()

    page.get_by_role("button", name="Identify another caller").click()
    page.get_by_label("The patient", exact=True).check()
    page.get_by_label("How they reached us").select_option("desk")
    page.get_by_role("button", name="Record who is calling").click()
    expect(page.get_by_role("heading", name="Caller identified as the patient")).to_be_visible()

    timeline = page.locator("#timeline-list")
    expect(timeline).to_contain_text(f"Invoice {invoice.number} issued")
    expect(timeline).to_contain_text("Promised to pay by")
    expect(timeline).to_contain_text("Proxy registered: Anders Undset (son)")
    expect(timeline).to_contain_text("Phone contact by Per Naboen")
    expect(timeline).to_contain_text("Called, promised to pay Friday")

    page.get_by_label("Show events").select_option("third_party")  # htmx swaps the list
    expect(timeline).to_contain_text("Per Naboen")
    expect(page.locator("#timeline-list")).not_to_contain_text("Called, promised to pay Friday")
    assert problems == []
