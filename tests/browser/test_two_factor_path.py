"""A new staff member sets up their authenticator app from the page alone, in Debian's chromium."""

import pytest
from django_otp.oath import totp

from tests.factories import UserFactory

from .conftest import serious_axe_problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_takes_a_new_staff_member_through_set_up_to_the_worklist(live_server, browser_page, tmp_path):
    from base64 import b32decode

    from playwright.sync_api import expect

    UserFactory(username="bjorn_billing", roles=["billing"])
    page = browser_page
    problems: list[str] = []  # script errors and CSP refusals (an inline style in the QR code would show here)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("bjorn_billing")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator(".mfa-qr svg")).to_be_visible()
    page.screenshot(path=str(tmp_path / "set-up.png"), full_page=True)
    assert serious_axe_problems(page) == []
    # What a person types into their app by hand: the key shown in groups of four.
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    code = f"{totp(b32decode(secret)):06d}"
    page.get_by_label("The 6-digit code your app shows").fill(code)
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them safe — continue").click()
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    assert problems == []
