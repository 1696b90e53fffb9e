"""The front desk logs a refusal to pay from the account page; the office manager approves it in the queue."""

import pytest

from disputes import services
from disputes.models import AdjustmentRequest, Complaint
from tests.conftest import sign_in_in_browser
from tests.factories import PatientFactory, UserFactory, issued_invoice

PATIENT_LINES = [("GP1", "Consultation", "1", "640.00", "patient"), ("MAT", "Dressing", "1", "60.00", "patient")]


def sign_in(page, url: str, username: str) -> None:
    sign_in_in_browser(page, url, username)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_takes_a_complaint_from_the_desk_to_an_approved_write_off(live_server, browser_page):
    from playwright.sync_api import expect

    UserFactory(username="frida_frontdesk", roles=["front_desk"])
    billing = UserFactory(username="bjorn_billing", roles=["billing"])
    UserFactory(username="mona_manager", roles=["office_manager"])
    patient = PatientFactory(name="Kari Nordmann")
    issued_invoice(patient)
    disputed = issued_invoice(patient, lines=PATIENT_LINES)
    page = browser_page
    problems: list[str] = []  # script errors and failed loads (a missing vendored file shows up here)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    sign_in(page, live_server.url, "frida_frontdesk")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("link", name="Log a complaint or refusal to pay").click()

    page.get_by_label("Someone else").check()
    expect(page.locator("#someone-else-message")).to_be_visible()
    expect(page.get_by_label("Which invoice?")).to_be_hidden()
    page.get_by_label("The patient", exact=True).check()
    expect(page.locator("#someone-else-message")).to_be_hidden()

    page.get_by_label("Phone").check()
    page.get_by_label("Which invoice?").select_option(str(disputed.pk))
    page.get_by_label("MAT · Dressing").check()  # loaded by htmx when the invoice was chosen
    page.get_by_label("Quality of care or clinical error").check()
    page.get_by_label("What the patient said").fill("The dressing was wrong and it hurt for a week.")
    page.get_by_role("button", name="Log it and show what to do").click()

    expect(page.get_by_text("Direct the patient to")).to_be_visible()
    expect(page.locator("#decision-route")).to_have_text("Provider")
    expect(page.locator("#decision-approver")).to_have_text("Office manager")
    expect(page.get_by_role("complementary", name="What to say")).to_contain_text("without interrupting")
    expect(page.locator("#account-open-complaint")).to_contain_text("Quality of care or clinical error")
    complaint = Complaint.objects.get()
    assert [line.code for line in complaint.lines.all()] == ["MAT"]

    services.complaint_accept_proposal(complaint_id=complaint.pk, by=billing)  # billing took the patient's yes
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "mona_manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", name="Adjustments waiting for approval")).to_be_visible()
    expect(page.locator("article.approval")).to_contain_text("The dressing was wrong")
    page.get_by_label("Note").fill("Agreed with the provider")
    page.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("status").filter(has_text="Approved:")).to_contain_text(disputed.number)
    expect(page.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    assert AdjustmentRequest.objects.get().status == AdjustmentRequest.Status.APPROVED
    assert problems == []
