"""Public portal pages on a phone-sized screen: help, an article, prices; axe finds nothing serious on them."""

import re

import pytest

from tests.browser.conftest import fits_the_screen, serious_axe_problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_shows_help_and_prices_to_a_visitor_on_a_phone(live_server, phone_page):
    from playwright.sync_api import expect

    page = phone_page
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))

    page.goto(f"{live_server.url}/portal/help/")
    expect(page.get_by_role("heading", level=1, name="Help with your bill")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_axe_problems(page) == []

    page.get_by_role("link", name="What can I do if I cannot pay?").click()
    expect(page.get_by_role("heading", level=1, name="What can I do if I cannot pay?")).to_be_visible()
    expect(page.get_by_text("pay in monthly instalments")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_axe_problems(page) == []

    page.get_by_role("link", name="Prices").click()
    expect(page.get_by_role("heading", level=1, name="Prices")).to_be_visible()
    expect(page.get_by_role("heading", name="GP consultation")).to_be_visible()
    expect(page.get_by_text("Not offered at the moment")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_axe_problems(page) == []

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
    assert serious_axe_problems(page) == []

    page.get_by_role("button", name="Download the estimate (PDF)").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one service.")
    assert serious_axe_problems(page) == []

    expect(page.get_by_role("alert")).to_contain_text("Enter your date of birth.")

    page.get_by_role("checkbox", name=re.compile("GP consultation")).check()
    page.get_by_label("Your name").fill("Jane Doe")
    page.get_by_label("Your date of birth").fill("1980-05-17")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the estimate (PDF)").click()
    assert re.fullmatch(r"good-faith-estimate-GFE-[0-9]{8}-[0-9A-F]{8}\.pdf", download.value.suggested_filename)
