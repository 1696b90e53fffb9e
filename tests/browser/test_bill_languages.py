"""Each patient reads their bill in their own language, from the one service catalogue: in chromium, the bill
page, the bill's PDF and the public price list name and price the same service the same way, in each of the five
languages (the issue's "GP consultation 167 kr on the price list, 183 on the bill" cannot come back)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from catalogue.default_catalogue import TEXTS
from invoices.models import Coverage
from invoices.templatetags.money import money
from tests.browser.conftest import fits_the_screen, serious_axe_problems
from tests.factories import PatientFactory, UserFactory, issued_invoice, pdf_text

PRICE = Decimal("183.00")  # 2ad in Norway's default catalogue


@pytest.mark.parametrize("language", ["en", "fr", "pt", "nb", "ru"])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_bill_its_pdf_and_the_price_list_name_and_price_a_service_alike(live_server, phone_page, language):
    from playwright.sync_api import expect

    name, explanation = TEXTS["gp_consultation"][language]
    with translation.override(language):
        price = money(PRICE)
    user = UserFactory(username=f"{language}@example.org", email=f"{language}@example.org")
    patient = PatientFactory(email=f"{language}@example.org", language=language, user=user)
    invoice = issued_invoice(patient, lines=[("2ad", "", "1", str(PRICE), Coverage.PATIENT)])
    page = phone_page

    page.goto(f"{live_server.url}/portal/")
    page.get_by_label("Email address").fill(f"{language}@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto(f"{live_server.url}{reverse('portal:portal-bill', args=[patient.pk, invoice.pk])}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".bill-line-description")).to_have_text(name)
    expect(page.locator(".bill-line-explanation")).to_have_text(explanation)
    expect(page.locator(".bill-line-amount")).to_have_text(price)
    assert fits_the_screen(page)
    assert serious_axe_problems(page) == []

    with page.expect_download() as download:
        page.locator(f"a[href='{reverse('portal:portal-bill-pdf', args=[patient.pk, invoice.pk])}']").first.click()
    text = " ".join(pdf_text(Path(download.value.path()).read_bytes()).split())
    assert name in text
    assert price.replace("\u00a0", " ") in text

    page.goto(f"{live_server.url}/portal/prices/")
    item = page.locator(".price-item").filter(has=page.get_by_text("2ad", exact=True))
    expect(item.locator("h2")).to_have_text(f"{name} 2ad")
    expect(item.locator(".price-amount")).to_have_text(price)
    assert serious_axe_problems(page) == []
