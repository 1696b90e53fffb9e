"""Billing imports the demo's bank files in the browser, sees the invoices paid and works the queue."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from invoices.models import Invoice
from payments_in.models import BankTransaction, QueueReason
from tests.browser.conftest import serious_axe_problems
from tests.conftest import sign_in_in_browser
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_billing_imports_the_demo_bank_files_and_matches_what_waits(live_server, browser_page, settings):
    from playwright.sync_api import expect

    settings.DEBUG = True  # seed_demo runs only where DEBUG is on
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False
    UserFactory(username="bo_billing", roles=["billing"])
    folder = Path(settings.DEMO_BANK_FILES_DIR)
    page = browser_page
    sign_in_in_browser(page, live_server.url, "bo_billing")
    page.get_by_role("link", name="Bank files").click()
    expect(page.get_by_role("heading", name="Bank files", exact=True)).to_be_visible()
    assert serious_axe_problems(page) == []

    page.get_by_label("Bank file", exact=True).set_input_files(str(folder / "demo-ocr-giro.txt"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported: 2 posted, 1 in the queue, 0 already imported.")).to_be_visible()
    report = page.locator("#import-report")
    expect(report).to_contain_text("Posted on invoices")
    paid = BankTransaction.objects.filter(status="posted").select_related("invoice")
    assert all(row.invoice.patient_due == 0 for row in paid)
    assert serious_axe_problems(page) == []

    page.get_by_role("link", name="Bank files").click()
    page.get_by_label("Bank file", exact=True).set_input_files(str(folder / "demo-camt054.xml"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported: 1 posted, 1 in the queue, 0 already imported.")).to_be_visible()

    page.get_by_role("link", name="Reconciliation queue").click()
    expect(page.get_by_role("heading", name="2 payments waiting")).to_be_visible()
    waiting = BankTransaction.objects.get(queue_reason=QueueReason.NO_REFERENCE)
    page.goto(f"{live_server.url}/bank-files/transactions/{waiting.pk}/")
    assert serious_axe_problems(page) == []
    match = page.locator("#suggestions").get_by_role("button", name="Match to").first
    number = match.inner_text().removeprefix("Match to ")
    match.click()
    expect(page.get_by_text("Matched and posted.")).to_be_visible()
    assert Invoice.objects.get(number=number).patient_due == 0

    # The same file again posts nothing.
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Bank file", exact=True).set_input_files(str(folder / "demo-ocr-giro.txt"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported: 0 posted, 0 in the queue, 3 already imported.")).to_be_visible()
