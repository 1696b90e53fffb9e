"""On a phone-sized screen a patient disputes one line of a bill and asks to be called back; axe finds no
serious or critical accessibility problems on the dispute form, its confirmation, can't-pay and callback."""

import pytest
from django.conf import settings
from django.test import Client

from disputes.models import Complaint
from patient_collections.models import FollowUpCall
from tests.browser.conftest import serious_axe_problems
from tests.factories import PatientFactory, UserFactory, issued_invoice

LINES = [
    ("GP1", "Consultation with a general practitioner", "1", "640.00", "patient"),
    ("MAT", "Dressing materials", "1", "60.00", "patient"),
]


def sign_in(page, live_server_url: str, user) -> None:
    """A session made by Django's test client, handed to the browser."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server_url}])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_a_patient_dispute_one_line_and_ask_for_a_callback_on_a_phone(live_server, browser_page):
    from playwright.sync_api import expect

    patient = PatientFactory(name="Kari Nordmann", language="en", user=UserFactory(username="kari_patient"))
    invoice = issued_invoice(patient, lines=LINES)
    line = invoice.lines.get(code="MAT")
    page = browser_page
    problems: list[str] = []  # script errors, CSP refusals and failed loads show up here
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server.url, patient.user)
    base = f"{live_server.url}/portal/{patient.pk}"
    axe_results: dict[str, list[str]] = {}

    page.goto(f"{base}/bills/{invoice.pk}/dispute/")
    expect(page.get_by_role("heading", name="Tell us what is wrong")).to_be_visible()
    axe_results["dispute form"] = serious_axe_problems(page)

    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    axe_results["dispute form with errors"] = serious_axe_problems(page)
    page.get_by_role("link", name="Tick at least one line, or the whole bill.").click()
    expect(page.get_by_role("checkbox", name="Consultation with a general practitioner")).to_be_focused()

    page.get_by_role("checkbox", name="Dressing materials").check()
    page.get_by_role("radio", name="A mistake in the bill").check()
    page.get_by_label("Tell us what happened, in your own words").fill("I brought my own dressing.")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", name="We have your message")).to_be_visible()
    expect(page.get_by_text("Someone from billing will contact you")).to_be_visible()
    axe_results["dispute confirmation"] = serious_axe_problems(page)
    complaint = Complaint.objects.get()
    assert (complaint.channel, list(complaint.lines.all())) == ("portal", [line])
    assert complaint.description == "I brought my own dressing."

    page.goto(f"{base}/bills/{invoice.pk}/cannot-pay/")
    expect(page.get_by_role("heading", name="If you can't pay now")).to_be_visible()
    axe_results["can't pay"] = serious_axe_problems(page)

    page.goto(f"{base}/callback/")
    expect(page.get_by_role("heading", name="Ask us to call you back")).to_be_visible()
    axe_results["callback"] = serious_axe_problems(page)
    page.get_by_label("What would you like to talk about?").fill("The dressing on my bill.")
    page.get_by_role("radio", name="Afternoon (12 to 16)").check()
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_role("button", name="Send my request").click()

    expect(page.get_by_role("heading", name="We have your request")).to_be_visible()
    axe_results["callback confirmation"] = serious_axe_problems(page)
    call = FollowUpCall.objects.get(reason=FollowUpCall.Reason.CALLBACK_REQUEST)
    assert (call.preferred_time, call.preferred_channel) == ("afternoon", "phone")
    assert call.request_note == "The dressing on my bill."

    assert axe_results == {name: [] for name in axe_results}
    scrolls_sideways = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not scrolls_sideways
    assert problems == []
