"""One open call per reason per invoice (patient_collections.services.follow_up_call_open and its constraint)."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from patient_collections.models import FollowUpCall
from patient_collections.services import follow_up_call_open
from tests.factories import issued_invoice

Reason = FollowUpCall.Reason
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _open(key, invoice, reason=Reason.CALLBACK_REQUEST, note=""):
    return follow_up_call_open(
        idempotency_key=key,
        patient_id=invoice.patient_id,
        invoice_id=invoice.pk if invoice is not None else None,
        reason=reason,
        request_note=note,
        role="billing",
        due_at=NOW,
    )


@pytest.fixture
def invoice(patient):
    return issued_invoice(patient)


@pytest.mark.django_db
def test_a_second_request_about_an_invoice_joins_the_open_call_with_its_note(invoice):
    first, created_first = _open("a", invoice, note="Can I pay in May?")
    second, created_second = _open("b", invoice, note="Or in June?")

    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk
    first.refresh_from_db()
    assert first.request_note == "Can I pay in May?\n\nOr in June?"
    assert FollowUpCall.objects.count() == 1


@pytest.mark.django_db
def test_the_same_request_sent_twice_is_one_call_with_one_note(invoice):
    _open("a", invoice, note="Can I pay in May?")
    _open("b", invoice, note="Or in June?")
    _open("b", invoice, note="Or in June?")

    [call] = FollowUpCall.objects.all()
    assert call.request_note.count("Or in June?") == 1


@pytest.mark.django_db
def test_other_reasons_other_invoices_and_a_completed_call_each_get_their_own(patient, invoice):
    other_invoice = issued_invoice(patient)
    first, _ = _open("a", invoice)
    first.completed_at = NOW
    first.save(update_fields=["completed_at"])

    _open("b", invoice)  # the first call was made: a new request is a new call
    _open("c", invoice, reason=Reason.OVERDUE_ACCOUNT)
    _open("d", other_invoice)

    assert FollowUpCall.objects.filter(completed_at__isnull=True).count() == 3


@pytest.mark.django_db
def test_requests_without_an_invoice_and_complaint_follow_ups_are_never_joined(patient, invoice):
    follow_up_call_open(
        idempotency_key="x",
        patient_id=patient.pk,
        invoice_id=None,
        reason=Reason.CALLBACK_REQUEST,
        role="billing",
        due_at=NOW,
    )
    follow_up_call_open(
        idempotency_key="y",
        patient_id=patient.pk,
        invoice_id=None,
        reason=Reason.CALLBACK_REQUEST,
        role="billing",
        due_at=NOW,
    )
    _open("c1", invoice, reason=Reason.COMPLAINT_FOLLOW_UP)
    _open("c2", invoice, reason=Reason.COMPLAINT_FOLLOW_UP)

    assert FollowUpCall.objects.count() == 4


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_call_of_one_reason_for_one_invoice(invoice):
    _open("a", invoice, reason=Reason.OVERDUE_ACCOUNT)

    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpCall.objects.create(
            idempotency_key="bypass",
            patient_id=invoice.patient_id,
            invoice=invoice,
            reason=Reason.OVERDUE_ACCOUNT,
            role="billing",
            due_at=NOW,
        )
