"""Issue 11 in the browser, where the page is the point: billing is shown no Approve it cannot use while the policy's
deputy approves the sole office manager's own request (scenario 7); the resolution letter is previewed before
the complaint is closed, without the internal prevention note (scenario 9). Debian's chromium via Playwright."""

from collections.abc import Iterator

import pytest
import time_machine

from disputes import services
from disputes.models import AdjustmentRequest, Complaint
from tests.browser.conftest import watch_for_problems
from tests.conftest import sign_in_in_browser
from tests.factories import PatientFactory, UserFactory, at, issued_invoice, write_off_pending
from tests.lifecycle_scenarios.office import START

FOR_THE_PATIENT = "We checked your visit and took the cancelled consultation off the bill."
INTERNAL = "Reception logs cancellations before the day closes."


@pytest.fixture
def clinic_clock() -> Iterator[None]:
    """A Monday morning at the clinic; the clock runs on, as the sign-in's codes and the sessions expect."""
    with time_machine.travel(at(START, 9), tick=True):
        yield


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_billing_sees_no_approve_it_cannot_use_and_the_deputy_approves(clinic_clock, live_server, browser_page):
    from playwright.sync_api import expect

    UserFactory(username="bjorn_billing", roles=["billing"])
    manager = UserFactory(username="mona_manager", roles=["office_manager"])  # the clinic's only office manager
    UserFactory(username="petter_provider", roles=["provider"])  # the policy's deputy role
    patient = PatientFactory(name="Kari Nordmann")
    write_off = write_off_pending(patient, requested_by=manager)
    credited = services.complaint_file(
        patient_id=patient.pk,
        invoice_id=issued_invoice(patient, lines=[("MAT", "Dressing", "1", "60.00", "patient")]).pk,
        line_ids=[],
        channel="desk",
        category="billing_error",
        description="The dressing was billed twice.",
        by=manager,
    )
    credit = services.complaint_accept_proposal(complaint_id=credited.pk, by=manager)
    page = browser_page
    problems = watch_for_problems(page)

    sign_in_in_browser(page, live_server.url, "bjorn_billing")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(page.locator(f"#adjustment-{credit.pk}").get_by_role("button", name="Approve")).to_be_visible()
    expect(page.locator(f"#adjustment-{write_off.pk}")).to_contain_text("Write-off")
    expect(page.locator(f"#adjustment-{write_off.pk}").get_by_role("button")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in_in_browser(page, live_server.url, "petter_provider")
    page.goto(f"{live_server.url}/disputes/approvals/")
    mine = page.locator(f"#adjustment-{write_off.pk}")
    mine.get_by_label("Note").fill("Deputy for Mona")
    mine.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("status").filter(has_text="Approved:")).to_be_visible()
    write_off.refresh_from_db()
    assert (write_off.status, write_off.decided_by.username) == (AdjustmentRequest.Status.APPROVED, "petter_provider")
    assert problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_resolution_letter_is_previewed_before_the_complaint_closes(clinic_clock, live_server, browser_page):
    from playwright.sync_api import expect

    UserFactory(username="bjorn_billing", roles=["billing"])
    patient = PatientFactory(name="Kari Nordmann", language="en")
    complaint = services.complaint_file(
        patient_id=patient.pk,
        invoice_id=issued_invoice(patient).pk,
        line_ids=[],
        channel="phone",
        category="invoice_question",
        description="What is this bill for? I cancelled.",
        by=None,
    )
    page = browser_page
    problems = watch_for_problems(page)

    sign_in_in_browser(page, live_server.url, "bjorn_billing")
    page.goto(f"{live_server.url}/disputes/{complaint.pk}/")
    page.get_by_text("Close the complaint", exact=True).click()
    expect(page.get_by_role("button", name="Close and schedule the follow-up call")).to_have_count(0)
    page.get_by_label("Outcome").select_option("explained")
    page.get_by_label("What will prevent a repeat").fill(INTERNAL)
    page.get_by_label("Letter to the patient").fill(FOR_THE_PATIENT)
    page.get_by_role("button", name="Preview the letter").click()

    preview = page.locator("#letter-preview")
    expect(preview).to_contain_text(FOR_THE_PATIENT)
    expect(preview).not_to_contain_text(INTERNAL)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN
    page.get_by_role("button", name="Close and schedule the follow-up call").click()

    expect(page.get_by_role("status").filter(has_text="Complaint closed.")).to_be_visible()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution_text) == (Complaint.Status.CLOSED, FOR_THE_PATIENT)
    assert problems == []
