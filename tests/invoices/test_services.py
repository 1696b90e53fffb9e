"""Invoice lifecycle and payments through the services: the rules that protect the books."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from clinic_billing.exceptions import ApplicationError, Conflict, InvalidTransition, NotFound
from invoices import services
from invoices.models import ImmutableRecordError, InsuranceStatus, Invoice, InvoiceLine, LedgerEntry
from invoices.payment_reference import kid_is_valid
from invoices.selectors import patient_balance
from tests.factories import draft_invoice, issued_invoice

pytestmark = pytest.mark.django_db


def pay(invoice, amount, payer="patient", key=None, method="bank transfer"):
    return services.payment_record(
        invoice_id=invoice.pk, amount=amount, payer=payer, method=method, by=None, idempotency_key=key
    )


def test_it_issues_with_number_reference_due_date_and_a_charge(patient):
    invoice = issued_invoice(patient)
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.number == "2026-000001"
    assert kid_is_valid(invoice.payment_reference)
    assert invoice.due_date == date(2026, 11, 16)  # Norway: 14 days
    assert invoice.total == Decimal("471.00")
    assert invoice.third_party_share == Decimal("400.00")
    assert list(invoice.entries.values_list("kind", "amount")) == [("charge", Decimal("471.00"))]


def test_it_numbers_invoices_consecutively_within_a_year(patient):
    numbers = [issued_invoice(patient).number for _ in range(3)]
    assert numbers == ["2026-000001", "2026-000002", "2026-000003"]


def test_it_refuses_to_issue_twice(patient):
    invoice = issued_invoice(patient)
    with pytest.raises(InvalidTransition):
        services.invoice_issue(invoice_id=invoice.pk, by=None)
    assert invoice.entries.count() == 1


def test_it_consumes_no_number_when_issuing_rolls_back(patient):
    first = draft_invoice(patient)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invoice_issue(invoice_id=first.pk, by=None, today=date(2026, 11, 2))
        raise RuntimeError("the request failed after issuing")
    second = issued_invoice(patient)
    assert second.number == "2026-000001"
    first.refresh_from_db()
    assert first.status == Invoice.Status.DRAFT and first.number is None


def test_it_keeps_the_patient_share_due_while_insurance_is_pending(patient):
    invoice = issued_invoice(patient)
    assert invoice.insurance_status == InsuranceStatus.PENDING
    assert invoice.patient_due == Decimal("71.00")


def test_it_makes_the_unpaid_insurer_part_the_patients_once_settled(patient):
    invoice = issued_invoice(patient)
    pay(invoice, "350.00", payer="insurer")
    services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)
    invoice.refresh_from_db()
    assert invoice.insurer_paid == Decimal("350.00")
    assert invoice.patient_due == Decimal("121.00")


def test_it_keeps_an_overpayment_as_a_credit(patient):
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "200.00", "patient")])
    pay(invoice, "250.00")
    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("-50.00")
    assert patient_balance(patient_id=patient.pk) == Decimal("-50.00")


def test_it_refunds_no_more_than_the_credit(patient):
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "200.00", "patient")])
    pay(invoice, "250.00")
    with pytest.raises(ApplicationError):
        services.credit_refund(invoice_id=invoice.pk, amount="60.00", method="bank transfer", by=None)
    services.credit_refund(invoice_id=invoice.pk, amount="50.00", method="bank transfer", by=None)
    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("0.00")


@pytest.mark.parametrize("amount", ["-10.00", "0", "0.00", "10.001", "ten", "NaN", "99999999999.00"])
def test_it_refuses_a_bad_payment_amount_and_posts_nothing(patient, amount):
    invoice = issued_invoice(patient)
    with pytest.raises(ApplicationError) as error:
        pay(invoice, amount)
    assert error.value.field == "amount"
    assert invoice.entries.count() == 1


def test_it_refuses_a_float_amount(patient):
    invoice = issued_invoice(patient)
    with pytest.raises(ApplicationError):
        pay(invoice, 10.5)


def test_it_refuses_a_payment_on_a_draft(patient):
    invoice = draft_invoice(patient)
    with pytest.raises(InvalidTransition):
        pay(invoice, "10.00")
    assert not LedgerEntry.objects.exists()


def test_it_refuses_an_unknown_invoice():
    with pytest.raises(NotFound):
        services.payment_record(invoice_id=999, amount="1.00", payer="patient", method="cash", by=None)


def test_it_replays_a_payment_with_the_same_idempotency_key(patient):
    invoice = issued_invoice(patient)
    first = pay(invoice, "20.00", key="pay-1")
    again = pay(invoice, "20.00", key="pay-1")
    assert first.created and not again.created
    assert first.entry.pk == again.entry.pk
    assert invoice.entries.filter(kind="patient_payment").count() == 1


def test_it_refuses_an_idempotency_key_reused_with_another_body(patient):
    invoice = issued_invoice(patient)
    pay(invoice, "20.00", key="pay-1")
    with pytest.raises(Conflict):
        pay(invoice, "25.00", key="pay-1")
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("451.00")


def test_it_refuses_an_unknown_patient_for_a_draft():
    with pytest.raises(NotFound):
        services.invoice_create_draft(
            patient_id=12345,
            service_date=date(2026, 11, 2),
            lines=[services.LineInput("GP1", "Consultation", Decimal("1"), Decimal("100.00"))],
            by=None,
        )


@pytest.mark.parametrize(
    "line",
    [
        ("", "Consultation", "1", "100.00", "patient"),
        ("GP1", "Consultation", "0", "100.00", "patient"),
        ("GP1", "Consultation", "1", "-5.00", "patient"),
        ("GP1", "Consultation", "1", "100.005", "patient"),
        ("GP1", "Consultation", "1", "100.00", "neighbour"),
    ],
)
def test_it_refuses_a_bad_line(patient, line):
    with pytest.raises(ApplicationError):
        draft_invoice(patient, lines=[line])
    assert not Invoice.objects.exists()


def test_it_requires_a_pending_or_settled_claim_for_insurer_lines(patient):
    with pytest.raises(ApplicationError) as error:
        draft_invoice(patient, insurance_status="none")
    assert error.value.field == "insurance_status"


def test_it_freezes_lines_once_issued(patient):
    invoice = issued_invoice(patient)
    line = invoice.lines.first()
    line.unit_price = Decimal("1.00")
    with pytest.raises(ImmutableRecordError):
        line.save()
    with pytest.raises(ImmutableRecordError):
        line.delete()
    with pytest.raises(ImmutableRecordError):
        InvoiceLine.objects.filter(invoice=invoice).update(unit_price=Decimal("1.00"))
    with pytest.raises(ImmutableRecordError):
        InvoiceLine.objects.filter(invoice=invoice).delete()
    with pytest.raises(InvalidTransition):
        services.invoice_replace_lines(
            invoice_id=invoice.pk, lines=[services.LineInput("X", "Y", Decimal("1"), Decimal("1.00"))]
        )


def test_it_lets_a_draft_change_its_lines(patient):
    invoice = draft_invoice(patient)
    services.invoice_replace_lines(
        invoice_id=invoice.pk, lines=[services.LineInput("LAB", "Blood test", Decimal("1"), Decimal("90.00"))]
    )
    assert list(invoice.lines.values_list("code", flat=True)) == ["LAB"]


def test_it_never_edits_or_deletes_a_ledger_entry(patient):
    invoice = issued_invoice(patient)
    entry = invoice.entries.get()
    entry.amount = Decimal("1.00")
    with pytest.raises(ImmutableRecordError):
        entry.save()
    with pytest.raises(ImmutableRecordError):
        entry.delete()
    with pytest.raises(ImmutableRecordError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1.00"))
    with pytest.raises(ImmutableRecordError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()


def test_it_corrects_a_payment_with_a_reversal(patient):
    invoice = issued_invoice(patient)
    payment = pay(invoice, "71.00").entry
    reversal = services.entry_reverse(entry_id=payment.pk, reason="bounced", by=None)
    invoice.refresh_from_db()
    assert reversal.amount == Decimal("71.00") and reversal.reverses == payment
    assert invoice.patient_due == Decimal("71.00")
    with pytest.raises(InvalidTransition):
        services.entry_reverse(entry_id=payment.pk, reason="again", by=None)


def test_it_reverses_an_insurer_payment_out_of_insurer_paid(patient):
    invoice = issued_invoice(patient)
    payment = pay(invoice, "400.00", payer="insurer").entry
    services.entry_reverse(entry_id=payment.pk, reason="wrong patient", by=None)
    invoice.refresh_from_db()
    assert invoice.insurer_paid == Decimal("0.00")


def test_it_credits_in_part_and_then_in_full(patient):
    invoice = issued_invoice(patient)
    # Only what the patient owes can be credited (test_credit_cap.py): the insurer's 400.00 is no longer expected.
    services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)
    partial = services.invoice_credit(invoice_id=invoice.pk, amount="71.00", reason="materials not used", by=None)
    assert partial.reference == f"CN-{date.today().year}-000001"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    with pytest.raises(ApplicationError):
        services.invoice_credit(invoice_id=invoice.pk, amount="400.01", reason="too much", by=None)
    services.invoice_credit(invoice_id=invoice.pk, amount=None, reason="wrong patient", by=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert invoice.balance == Decimal("0.00")


def test_it_records_every_status_change(patient):
    invoice = issued_invoice(patient)
    assert list(invoice.status_changes.values_list("from_status", "to_status")) == [("draft", "issued")]


def test_verify_ledger_finds_a_tampered_cached_balance(patient):
    invoice = issued_invoice(patient)
    assert services.ledger_verify() == []
    Invoice.objects.filter(pk=invoice.pk).update(balance=Decimal("1.00"))
    problems = services.ledger_verify()
    assert [p.invoice_id for p in problems] == [invoice.pk]


def test_it_uses_the_us_profile_for_reference_and_terms(patient, settings):
    settings.BILLING_JURISDICTION = "US"
    invoice = issued_invoice(patient)
    assert invoice.payment_reference.startswith(f"{patient.pk:07d}-26")
    assert invoice.due_date == date(2026, 12, 2)


def test_it_uses_the_invoice_number_as_reference_in_france(patient, settings):
    settings.BILLING_JURISDICTION = "FR"
    invoice = issued_invoice(patient)
    assert invoice.payment_reference == invoice.number


def test_it_dates_a_back_dated_issue_on_the_given_day(patient):
    invoice = services.invoice_issue(invoice_id=draft_invoice(patient).pk, by=None, today=date(2026, 9, 1))
    assert invoice.issued_at.date() == date(2026, 9, 1)
    assert invoice.due_date == date(2026, 9, 15)


def test_it_refuses_an_amount_too_wide_to_quantise(patient):
    invoice = issued_invoice(patient)
    with pytest.raises(ApplicationError) as error:
        pay(invoice, "99999999999999999999999999.995")
    assert error.value.field == "amount"
