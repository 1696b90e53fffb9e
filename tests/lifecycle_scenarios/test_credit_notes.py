"""Issue 11, scenario 6: every reduction, write-off and small-claim credit is a numbered credit note in its own
series that refers to the invoice, seen on the staff account, in the portal and in the API; and an issued
invoice reprints as it was issued, whatever address the patient has since."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.urls import reverse

from patients.services import ContactDetails, patient_update_contact
from tests.factories import caller_identified, pdf_text, squeezed
from tests.lifecycle_scenarios.office import CONSULTATION, bill, complain

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

DRESSING = {"code": "MAT", "description": "Dressing materials", "quantity": "1", "unit_price": "200.00"}


@pytest.mark.parametrize(
    ("category", "line", "kind", "credited", "requester", "approver"),
    [
        ("service_incident", CONSULTATION, "reduction", "250.00", "billing", "manager"),
        ("care_quality", CONSULTATION, "write_off", "500.00", "billing", "manager"),
        ("billing_error", DRESSING, "small_claim_credit", "200.00", "manager", "billing"),
    ],
    ids=["reduction", "write-off", "small-claim credit"],
)
def test_an_approved_adjustment_is_a_numbered_credit_note_everywhere_the_bill_is_read(
    clock,
    reachable_patient,
    front_desk,
    api_as,
    client_for,
    request,
    category,
    line,
    kind,
    credited,
    requester,
    approver,
):
    requested_by, approved_by = request.getfixturevalue(requester), request.getfixturevalue(approver)
    invoice = bill(api_as(approved_by), reachable_patient, line)
    complaint = complain(api_as(front_desk), reachable_patient, invoice["id"], category=category)
    accepted = api_as(requested_by).post(f"/api/v1/complaints/{complaint['id']}/accept-proposal/")
    assert (accepted.status_code, accepted.json()["kind"], accepted.json()["amount"]) == (201, kind, credited)
    clock.shift(timedelta(hours=2))
    approved = api_as(approved_by).post(f"/api/v1/adjustments/{accepted.json()['id']}/approve/", format="json")
    assert approved.status_code == 200, approved.content

    api = api_as(approved_by)
    [note] = api.get(f"/api/v1/invoices/{invoice['id']}/").json()["credit_notes"]
    assert (note["number"], note["invoice"], note["kind"], note["amount"]) == (
        "CN-2026-000001",
        invoice["id"],
        kind,
        credited,
    )
    assert (note["requested_by"], note["approved_by"]) == (requested_by.pk, approved_by.pk)
    assert note["number"] != invoice["number"]  # its own series
    assert api.get(f"/api/v1/credit-notes/{note['id']}/").json() == note
    document = squeezed(pdf_text(api.get(f"/api/v1/credit-notes/{note['id']}/pdf/").content))
    assert squeezed(note["number"]) in document and squeezed(invoice["number"]) in document

    staff_pdf = reverse("invoices:credit-note-pdf", args=[note["id"]])
    staff = client_for(approved_by)
    caller_identified(staff, reachable_patient)
    account = staff.get(reverse("frontdesk:patient-detail", args=[reachable_patient.pk])).content.decode()
    assert note["number"] in account and f'href="{staff_pdf}"' in account
    portal_pdf = reverse(
        "portal:portal-credit-note-pdf",
        kwargs={"patient_id": reachable_patient.pk, "invoice_id": invoice["id"], "credit_note_id": note["id"]},
    )
    bill_page = client_for(reachable_patient.user).get(
        reverse("portal:portal-bill", kwargs={"patient_id": reachable_patient.pk, "invoice_id": invoice["id"]})
    )
    assert f"Credit note {note['number']}" in bill_page.content.decode()
    assert f'href="{portal_pdf}"' in bill_page.content.decode()
    assert client_for(reachable_patient.user).get(portal_pdf).content.startswith(b"%PDF")


def test_an_issued_invoice_reprints_with_the_address_it_was_issued_to(
    clock, reachable_patient, billing, api_as, client_for
):
    api = api_as(billing)
    invoice = bill(api, reachable_patient)
    clock.shift(timedelta(days=20))
    patient_update_contact(
        patient_id=reachable_patient.pk,
        contact=replace(
            ContactDetails(email=reachable_patient.email, phone=reachable_patient.phone, language="en"),
            preferred_channel="email",
            address_line="Nyveien 9",
            postal_code="9008",
            city="Tromsø",
        ),
        by=billing,
    )

    reprinted = squeezed(pdf_text(api.get(f"/api/v1/invoices/{invoice['id']}/pdf/").content))
    portal = client_for(reachable_patient.user).get(
        reverse("portal:portal-bill-pdf", kwargs={"patient_id": reachable_patient.pk, "invoice_id": invoice["id"]})
    )
    from_portal = squeezed(pdf_text(portal.content))

    for document in (reprinted, from_portal):
        assert squeezed("Storgata 5") in document and squeezed("0155 Oslo") in document
        assert squeezed("Nyveien 9") not in document and squeezed("Tromsø") not in document
