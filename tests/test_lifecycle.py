"""The lifecycle mechanism (clinic_billing.lifecycle): one table per model, one history row per change."""

import pytest

from clinic_billing.exceptions import InvalidTransition
from clinic_billing.lifecycle import Lifecycle, may_transition, transition, transition_rows
from invoices.models import Invoice, InvoiceStatusChange
from tests.factories import draft_invoice

Status = Invoice.Status


def test_a_table_naming_a_target_without_its_own_row_is_refused_when_declared():
    with pytest.raises(ValueError, match="void"):
        Lifecycle(transitions={"draft": {"void"}}, history="X", subject="x", refusal="%(from)s %(to)s")


@pytest.mark.django_db
def test_a_transition_saves_the_status_and_writes_who_when_from_to_and_why(patient, billing):
    invoice = draft_invoice(patient)

    transition(invoice, Status.VOID, by=billing, reason="  typed twice  ")

    invoice.refresh_from_db()
    assert invoice.status == Status.VOID
    change = InvoiceStatusChange.objects.get(invoice=invoice)
    assert (change.from_status, change.to_status, change.changed_by, change.reason) == (
        Status.DRAFT,
        Status.VOID,
        billing,
        "typed twice",
    )
    assert change.changed_at is not None


@pytest.mark.django_db
def test_a_transition_the_table_does_not_allow_is_refused_and_changes_nothing(patient, billing):
    invoice = draft_invoice(patient)
    transition(invoice, Status.VOID, by=billing)

    assert not may_transition(invoice, Status.ISSUED)
    with pytest.raises(InvalidTransition, match="cancelled draft invoice cannot become issued"):
        transition(invoice, Status.ISSUED, by=billing)

    invoice.refresh_from_db()
    assert invoice.status == Status.VOID
    assert InvoiceStatusChange.objects.filter(invoice=invoice).count() == 1


@pytest.mark.django_db
def test_a_batch_moves_only_the_rows_whose_table_allows_it_with_one_history_row_each(
    patient, billing, django_assert_num_queries
):
    drafts = [draft_invoice(patient) for _ in range(3)]
    transition(drafts[0], Status.VOID, by=billing)

    # Read, update, history: three; Invoice's audited manager adds its locked read and the audit entries.
    with django_assert_num_queries(5):
        moved = transition_rows(Invoice.objects.filter(patient=patient), Status.VOID, by=billing, reason="batch")

    assert sorted(moved) == sorted(invoice.pk for invoice in drafts[1:])
    assert set(Invoice.objects.filter(patient=patient).values_list("status", flat=True)) == {Status.VOID}
    assert InvoiceStatusChange.objects.filter(reason="batch").count() == 2
