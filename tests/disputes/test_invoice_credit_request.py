"""A credit asked for on an invoice alone (the API's credit notes, issue 19 item 5): issued at once up to the
policy's approval threshold, else a pending reduction in the approval queue that the office manager decides."""

from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import AdjustmentRequest
from invoices.models import CreditNote
from tests.factories import PatientFactory, issue, issued_invoice

pytestmark = pytest.mark.django_db

SURGERY = [("SURG", "Minor surgery", "1", "1500.00", "patient")]


def test_it_issues_the_credit_note_at_once_within_the_threshold(billing, manager):
    invoice = issue(PatientFactory())

    outcome = services.invoice_credit_request(invoice_id=invoice.pk, amount=None, reason="Not seen", by=billing)

    assert outcome.adjustment is None
    assert outcome.entry is not None and outcome.entry.credit_note.amount == Decimal("500.00")


def test_it_queues_a_credit_above_the_threshold(billing, manager):
    invoice = issued_invoice(PatientFactory(), lines=SURGERY, insurance_status="none")

    outcome = services.invoice_credit_request(
        invoice_id=invoice.pk, amount=Decimal("1000.01"), reason="Goodwill", by=billing
    )

    assert outcome.entry is None
    assert outcome.adjustment is not None
    assert (outcome.adjustment.complaint_id, outcome.adjustment.collection_case_id) == (None, None)
    assert not CreditNote.objects.filter(invoice=invoice).exists()


def test_the_queue_shows_a_credit_asked_for_on_the_invoice_and_approving_it_goes_back_there(
    billing, manager, client_for
):
    invoice = issued_invoice(PatientFactory(), lines=SURGERY, insurance_status="none")
    adjustment = services.invoice_credit_request(
        invoice_id=invoice.pk, amount=Decimal("1200.00"), reason="Goodwill after the wait", by=billing
    ).adjustment
    assert adjustment is not None
    client = client_for(manager)

    page = client.get(reverse("disputes:adjustment-queue")).content.decode()
    approved = client.post(
        reverse("disputes:adjustment-approve", args=[adjustment.pk]), {"note": "", "back": "subject"}
    )

    assert "Goodwill after the wait" in page
    assert approved.status_code == 302
    assert approved["Location"] == reverse("frontdesk:invoice-detail", args=[invoice.pk])
    assert AdjustmentRequest.objects.get(pk=adjustment.pk).status == AdjustmentRequest.Status.APPROVED
