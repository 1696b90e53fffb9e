"""The complaint moves through its lifecycle (Complaint.LIFECYCLE): an allowed move writes who, when, from, to and
why; a move the table does not allow is refused in the reader's words and changes nothing."""

import pytest
from django.utils import translation

from clinic_billing.exceptions import InvalidTransition
from disputes import services
from disputes.models import Complaint, ComplaintStatusChange
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

Status = Complaint.Status


@pytest.fixture
def complaint(patient) -> Complaint:
    invoice = issued_invoice(patient)
    return services.complaint_file(
        patient_id=patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="phone",
        category="billing_error",
        description="I was billed twice.",
        by=None,
    )


def test_it_records_who_met_the_patient_and_when(complaint, manager):
    services.complaint_mark_met(complaint_id=complaint.pk, by=manager)

    change = ComplaintStatusChange.objects.get(complaint=complaint)
    assert (change.from_status, change.to_status, change.changed_by) == (Status.OPEN, Status.MET, manager)
    assert Complaint.objects.get(pk=complaint.pk).status == Status.MET


def test_it_refuses_to_meet_about_a_closed_complaint_in_the_readers_words_and_changes_nothing(complaint, manager):
    services.complaint_transition(complaint=complaint, to_status=Status.CLOSED, by=manager)

    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        services.complaint_transition(complaint=complaint, to_status=Status.MET, by=manager)
    with translation.override("nb"), pytest.raises(InvalidTransition) as refused_in_norwegian:
        services.complaint_transition(complaint=complaint, to_status=Status.MET, by=manager)

    assert refused.value.message == "A complaint that is closed cannot become met with the patient."
    assert "kan ikke endres til" in refused_in_norwegian.value.message
    assert Complaint.objects.get(pk=complaint.pk).status == Status.CLOSED
    assert ComplaintStatusChange.objects.filter(complaint=complaint).count() == 1
