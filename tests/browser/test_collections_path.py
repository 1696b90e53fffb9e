"""Collections in the browser: billing sets up a payment plan from the invoice page, the office manager reads
the aging report and its chart. Debian's chromium driven by Playwright."""

from decimal import Decimal

import pytest
from django.utils import translation

from invoices.templatetags.money import money
from patient_collections.models import PaymentPlan
from tests.browser.conftest import watch_for_problems
from tests.conftest import sign_in_in_browser
from tests.factories import PatientFactory, UserFactory, overdue_invoice

PASSWORD = "correct-horse-battery"
LINES = [("GP1", "Consultation", "1", "600.00", "patient")]


def en_money(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


def sign_in(page, base_url: str, username: str) -> None:
    sign_in_in_browser(page, base_url, username, PASSWORD)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_billing_set_up_a_payment_plan_from_the_invoice_page(live_server, browser_page):
    from playwright.sync_api import expect

    UserFactory(username="bjorn_billing", roles=["billing"])
    invoice = overdue_invoice(PatientFactory(name="Kari Nordmann"), days=20, lines=LINES)
    page = browser_page
    problems = watch_for_problems(page)
    sign_in(page, live_server.url, "bjorn_billing")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_role("heading", name="Collections")).to_be_visible()

    page.get_by_text("Set up a payment plan").click()
    page.get_by_label("Number of instalments").fill("1")
    page.get_by_role("button", name="Set up the plan").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("A plan has at least two instalments.")

    page.get_by_label("Number of instalments").fill("3")
    page.get_by_role("button", name="Set up the plan").click()
    expect(page.get_by_role("status").filter(has_text="Payment plan set up")).to_contain_text("3 instalments")
    expect(page.locator("#collections-pause")).to_contain_text("A payment plan is being kept.")
    expect(page.locator("#instalments tbody tr")).to_have_count(3)
    expect(page.locator("#instalments")).to_contain_text(en_money("200.00"))
    assert PaymentPlan.objects.get(invoice=invoice).total == Decimal("600.00")
    assert problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_shows_the_office_manager_the_aging_report_with_its_chart(live_server, browser_page):
    from playwright.sync_api import expect

    UserFactory(username="mona_manager", roles=["office_manager"])
    overdue_invoice(PatientFactory(name="Old Debt"), days=45, lines=LINES)
    overdue_invoice(PatientFactory(name="New Debt"), days=5, lines=LINES)
    page = browser_page
    problems = watch_for_problems(page)
    sign_in(page, live_server.url, "mona_manager")
    page.get_by_role("link", name="Aging").click()

    expect(page.get_by_role("heading", name="Aging report")).to_be_visible()
    chart = page.locator("canvas#aging-chart")
    expect(chart).to_be_visible()
    # Chart.js sizes the canvas once it has drawn the figures.
    page.wait_for_function("() => window.Chart && window.Chart.getChart(document.getElementById('aging-chart'))")
    assert page.evaluate(
        "() => window.Chart.getChart(document.getElementById('aging-chart')).data.datasets[0].data"
    ) == [
        0,
        600,
        600,
        0,
        0,
        0,
    ]
    expect(page.locator("#aging-buckets tfoot")).to_contain_text(en_money("1200.00"))
    expect(page.get_by_role("link", name="Old Debt")).to_be_visible()
    assert problems == []
