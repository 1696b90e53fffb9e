"""Every portal page, on a phone-sized screen, as the patient, their proxy and an anonymous visitor: each
answers 200 and axe-core finds no serious or critical accessibility problem. A proxy sees the granted
patient and nothing else; a quick-pay link opens its bill only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disputes.services import complaint_file
from patient_collections.models import FollowUpCall, PortalMessage
from patient_collections.services import deferral_create, payment_plan_create
from portal.invitations import invitation_create
from portal.quick_pay import quick_pay_url
from tests.browser.conftest import PHONE, serious_axe_problems
from tests.factories import PatientFactory, ProxyFactory, UserFactory, issued_invoice

LINES = [("GP1", "Consultation with a general practitioner", "1", "1200.00", "patient")]


def signed_in_phone_page(chromium, live_server_url: str, user=None):
    context = chromium.new_context(locale="en-GB", viewport=PHONE, is_mobile=True, has_touch=True)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def audit(page, url: str) -> list[str]:
    """Open `url`; return what is wrong with it (a bad status, or serious/critical axe violations)."""
    response = page.goto(url)
    if response is None or response.status != 200:
        return [f"{url}: HTTP {response.status if response else 'no response'}"]
    return [f"{url}: {problem}" for problem in serious_axe_problems(page)]


@pytest.fixture
def account(db):
    """A patient with every kind of portal content, and a proxy with their own account."""
    patient = PatientFactory(name="Kari Nordmann", language="en", user=UserFactory(username="kari@example.org"))
    disputed = issued_invoice(patient, lines=LINES)
    planned = issued_invoice(patient, lines=LINES)
    deferred = issued_invoice(patient, lines=LINES)
    complaint = complaint_file(
        patient_id=patient.pk,
        invoice_id=disputed.pk,
        line_ids=[],
        channel="portal",
        category="invoice_question",
        description="What is this bill for?",
        by=patient.user,
    )
    payment_plan_create(invoice_id=planned.pk, monthly_amount=Decimal("300.00"), by=patient.user)
    deferral_create(invoice_id=deferred.pk, until=timezone.localdate() + timedelta(days=30), by=patient.user)
    call = FollowUpCall.objects.create(
        patient=patient, reason="callback_request", role="billing", due_at=timezone.now(), idempotency_key="a11y-call"
    )
    message = PortalMessage.objects.create(patient=patient, subject="Payment reminder", body="Please pay.")
    proxy = ProxyFactory(patient=patient, name="Ola Nordmann", user=UserFactory(username="ola@example.org"))
    other = PatientFactory(name="Ivan Petrov", user=UserFactory(username="ivan@example.org"))
    return {
        "patient": patient,
        "disputed": disputed,
        "planned": planned,
        "deferred": deferred,
        "complaint": complaint,
        "call": call,
        "message": message,
        "proxy": proxy,
        "other_invoice": issued_invoice(other, lines=LINES),
        "other": other,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_portal_page_passes_axe_for_the_patient(live_server, chromium, account):
    p = account["patient"].pk
    invoice = account["disputed"].pk
    pages = [
        reverse("portal:portal-bills", args=[p]),
        reverse("portal:portal-bill", args=[p, invoice]),
        reverse("portal:portal-dispute", args=[p, invoice]),
        reverse("portal:portal-dispute-sent", args=[p, account["complaint"].pk]),
        reverse("portal:portal-complaints", args=[p]),
        reverse("portal:portal-complaint", args=[p, account["complaint"].pk]),
        reverse("portal:portal-cannot-pay", args=[p, invoice]),
        reverse("portal:portal-cannot-pay-plan", args=[p, invoice]),
        reverse("portal:portal-cannot-pay-later", args=[p, invoice]),
        reverse("portal:portal-payment-plan", args=[p, account["planned"].pk]),
        reverse("portal:portal-deferral", args=[p, account["deferred"].pk]),
        reverse("portal:portal-callback", args=[p]),
        reverse("portal:portal-request-sent", args=[p, account["call"].pk]),
        reverse("portal:portal-contact", args=[p]),
        reverse("portal:portal-proxies", args=[p]),
        reverse("portal:portal-proxy-grant", args=[p]),
        reverse("portal:portal-proxy-revoke", args=[p, account["proxy"].pk]),
        reverse("portal:portal-messages", args=[p]),
        reverse("portal:portal-message", args=[p, account["message"].pk]),
    ]
    page = signed_in_phone_page(chromium, live_server.url, account["patient"].user)
    problems = [problem for path in pages for problem in audit(page, live_server.url + path)]
    assert problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_public_pages_pass_axe_and_a_quick_pay_link_opens_its_bill_only(live_server, chromium, account):
    newcomer = PatientFactory(name="Nora Lie", language="en")
    _, token = invitation_create(patient_id=newcomer.pk, email="nora@example.org", by=None)
    pages = [
        reverse("portal:portal-activate", args=[token]),
        reverse("portal:portal-login"),
        reverse("portal:portal-password-reset"),
        reverse("portal:portal-help"),
        reverse("portal:portal-help-article", args=["exemption-card"]),
        reverse("portal:portal-prices"),
    ]
    page = signed_in_phone_page(chromium, live_server.url)
    problems = [problem for path in pages for problem in audit(page, live_server.url + path)]
    quick_pay = quick_pay_url(account["disputed"]).replace(settings.SITE_URL, live_server.url)
    problems += audit(page, quick_pay)
    assert problems == []
    assert account["disputed"].number in page.content()
    assert account["planned"].number not in page.content()
    assert page.goto(live_server.url + reverse("portal:portal-bills", args=[account["patient"].pk])).url.startswith(
        live_server.url + reverse("portal:portal-login")
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_proxy_sees_the_granted_patient_and_nothing_else(live_server, chromium, account):
    p = account["patient"].pk
    page = signed_in_phone_page(chromium, live_server.url, account["proxy"].user)
    problems = audit(page, live_server.url + reverse("portal:portal-bills", args=[p]))
    problems += audit(page, live_server.url + reverse("portal:portal-bill", args=[p, account["disputed"].pk]))
    assert problems == []
    assert "Kari Nordmann" in page.content()
    other = account["other"].pk
    assert page.goto(live_server.url + reverse("portal:portal-bills", args=[other])).status == 404
    assert (
        page.goto(live_server.url + reverse("portal:portal-bill", args=[p, account["other_invoice"].pk])).status == 404
    )
    assert page.goto(live_server.url + reverse("portal:portal-proxies", args=[p])).status == 404
