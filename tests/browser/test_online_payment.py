"""A patient pays a bill online on a phone, in Debian's chromium: "Pay online" on the bill, the (fake) hosted
checkout page, its signed webhook to the app, the receipt, and the bill paid. Stripe's API and hosted page are
the local fake (tests/fake_stripe.py): the test never reaches the internet."""

import re

import pytest

# The services publish the receipt task by name (a worker discovers it); the eager test run needs it registered.
import online_payments.tasks  # noqa: F401
from online_payments.models import CheckoutSession
from tests.browser.conftest import fits_the_screen, serious_axe_problems, watch_for_problems
from tests.factories import PatientFactory, UserFactory, issue
from tests.fake_stripe import fake_stripe


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_a_patient_pay_a_bill_online_and_shows_the_receipt(live_server, phone_page, settings, mailoutbox):
    from playwright.sync_api import expect

    user = UserFactory(username="kari@example.org", email="kari@example.org")
    patient = PatientFactory(name="Kari Nordmann", email="kari@example.org", language="en", user=user)
    invoice = issue(patient)
    page = phone_page
    problems = watch_for_problems(page)

    with fake_stripe() as stripe:
        stripe.webhook_url = f"{live_server.url}/payments/stripe/webhook/"
        settings.ONLINE_PAYMENT_PROVIDER = "stripe"
        settings.STRIPE_SECRET_KEY = stripe.secret_key
        settings.STRIPE_WEBHOOK_SECRET = stripe.webhook_secret
        settings.STRIPE_API_BASE = stripe.api_base

        page.goto(f"{live_server.url}/portal/")
        page.get_by_label("Email address").fill("kari@example.org")
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.goto(f"{live_server.url}/portal/{patient.pk}/bills/{invoice.pk}/")
        expect(page.get_by_role("heading", name=re.compile("Bill for your visit on"))).to_be_visible()
        assert serious_axe_problems(page) == []
        assert fits_the_screen(page)

        page.get_by_role("button", name=re.compile("^Pay .* online$")).click()
        expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
        expect(page.locator("#amount")).to_have_text("500.00 NOK")
        page.get_by_role("button", name="Pay").click()

        expect(page.get_by_role("heading", name="Payment received. Thank you.")).to_be_visible()
        expect(page.locator("#receipt-amount")).to_contain_text("500")
        assert serious_axe_problems(page) == []
        assert fits_the_screen(page)
        page.get_by_role("link", name="Your receipt").click()
        expect(page.get_by_role("heading", name="Receipt", exact=True)).to_be_visible()
        expect(page.locator("#receipt-details")).to_contain_text(invoice.number or "")
        page.get_by_role("link", name="Back to the bill").click()

        expect(page.locator(".bill-status-paid")).to_contain_text("Paid")
        expect(page.locator(".bill-history")).to_contain_text("Card, paid online")
        expect(page.get_by_role("button", name=re.compile("^Pay .* online$"))).to_have_count(0)

    (delivery,) = stripe.deliveries
    assert delivery[1] == 200
    assert CheckoutSession.objects.get(invoice=invoice).status == CheckoutSession.Status.PAID
    assert [message.to for message in mailoutbox] == [["kari@example.org"]]
    assert problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_anyone_holding_a_paper_bills_link_pay_it_without_an_account(live_server, phone_page, settings):
    from playwright.sync_api import expect

    from online_payments.quick_pay import pay_link_url

    patient = PatientFactory(name="Kari Nordmann", email="", language="en")
    invoice = issue(patient)
    page = phone_page
    problems = watch_for_problems(page)

    with fake_stripe() as stripe:
        stripe.webhook_url = f"{live_server.url}/payments/stripe/webhook/"
        settings.ONLINE_PAYMENT_PROVIDER = "stripe"
        settings.STRIPE_SECRET_KEY = stripe.secret_key
        settings.STRIPE_WEBHOOK_SECRET = stripe.webhook_secret
        settings.STRIPE_API_BASE = stripe.api_base

        page.goto(pay_link_url(invoice).replace(settings.SITE_URL, live_server.url))
        expect(page.get_by_role("heading", name="Pay your bill online")).to_be_visible()
        expect(page.locator("#pay-link-number")).to_have_text(invoice.number or "")
        expect(page.locator("main")).not_to_contain_text("Kari Nordmann")
        assert serious_axe_problems(page) == []
        assert fits_the_screen(page)

        page.get_by_role("button", name=re.compile("^Pay .* online$")).click()
        page.get_by_role("button", name="Pay").click()

        expect(page.get_by_role("heading", name="Payment received. Thank you.")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("Kari Nordmann")
        assert serious_axe_problems(page) == []
        page.get_by_role("link", name="Back to the payment page").click()
        expect(page.locator("#pay-link-due")).to_have_text("Nothing to pay")

    assert CheckoutSession.objects.get(invoice=invoice).started_by is None
    assert problems == []
