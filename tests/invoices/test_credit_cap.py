"""What is credited on an invoice never passes what was charged, and no credit leaves the patient owed money.

Credit notes (corrections) and adjustments (reductions, write-offs, small-claim credits) draw on one cap: the
charges (the invoice total and its reminder fees) less every credit already given, of every kind, and never
more than the patient owes now.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError, InvalidTransition
from invoices import services
from invoices.models import CreditNote, Invoice, LedgerEntry
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind
MIDDAY = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
# 400.00 expected from the insurer, 300.00 the patient's own share.
LINES = [("GP1", "Consultation", "1", "400.00", "insurer"), ("MAT", "Dressing", "1", "300.00", "patient")]
PATIENT_LINES = [("GP1", "Consultation", "1", "640.00", "patient"), ("MAT", "Dressing", "1", "60.00", "patient")]
CHARGES = Q(kind__in=[Kind.CHARGE, Kind.REMINDER_FEE]) | Q(kind=Kind.REVERSAL, reverses__kind=Kind.REMINDER_FEE)


def adjust(invoice: Invoice, kind: str, amount: Decimal | str) -> LedgerEntry:
    """Post an adjustment as the approving services do: on a locked invoice, inside one transaction."""
    with transaction.atomic():
        locked = services.invoice_lock(invoice_id=invoice.pk)
        return services.invoice_adjust(
            invoice=locked, kind=kind, amount=Decimal(amount), reference="test", note="agreed", by=None
        )


def charged(invoice: Invoice) -> Decimal:
    return invoice.entries.filter(CHARGES).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def credited(invoice: Invoice) -> Decimal:
    total = invoice.entries.filter(kind__in=list(CreditNote.KIND_OF_ENTRY)).aggregate(s=Sum("amount"))["s"]
    return -(total or Decimal("0.00"))


cents = st.integers(min_value=1, max_value=80_000).map(lambda n: (Decimal(n) / 100).quantize(Decimal("0.01")))
operation = st.one_of(
    st.tuples(st.just("correct"), st.none() | cents),
    st.tuples(st.sampled_from([Kind.REDUCTION, Kind.WRITE_OFF, Kind.SMALL_CLAIM_CREDIT]), cents),
    st.tuples(st.sampled_from(["pay patient", "pay insurer"]), cents),
    st.tuples(st.just("fee"), cents),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("refund"), cents),
    st.tuples(st.just("settle"), st.none()),
)
CREDITS = {"correct", Kind.REDUCTION, Kind.WRITE_OFF, Kind.SMALL_CLAIM_CREDIT}


def apply(invoice: Invoice, kind: str, value: object) -> None:
    if kind == "correct":
        services.invoice_credit(invoice_id=invoice.pk, amount=value, reason="correction", by=None)  # type: ignore[arg-type]
    elif kind in (Kind.REDUCTION, Kind.WRITE_OFF, Kind.SMALL_CLAIM_CREDIT):
        adjust(invoice, kind, value)  # type: ignore[arg-type]
    elif kind.startswith("pay"):
        payer = kind.removeprefix("pay ")
        services.payment_record(invoice_id=invoice.pk, amount=value, payer=payer, method="bank", by=None)  # type: ignore[arg-type]
    elif kind == "fee":
        with transaction.atomic():
            locked = services.invoice_lock(invoice_id=invoice.pk)
            services.invoice_charge_fee(invoice=locked, amount=value, reference="fee")  # type: ignore[arg-type]
    elif kind == "reverse":
        entries = list(invoice.entries.exclude(kind=Kind.CHARGE).order_by("id"))
        if entries:
            services.entry_reverse(entry_id=entries[value % len(entries)].pk, reason="mistake", by=None)  # type: ignore[operator]
    elif kind == "refund":
        services.credit_refund(invoice_id=invoice.pk, amount=value, method="bank", by=None)  # type: ignore[arg-type]
    else:
        services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=None)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=10))
def test_no_sequence_of_credits_payments_and_fees_credits_more_than_was_charged(patient, operations):
    with time_machine.travel(MIDDAY, tick=False):
        invoice = issued_invoice(patient, lines=LINES)
        for kind, value in operations:
            before = invoice.entries.count()
            try:
                apply(invoice, kind, value)
            except (ApplicationError, InvalidTransition):
                assert invoice.entries.count() == before  # a refusal posts nothing
                continue
            invoice.refresh_from_db()
            assert credited(invoice) <= charged(invoice)
            if kind in CREDITS:
                assert invoice.patient_due >= 0


@time_machine.travel(MIDDAY, tick=False)
def test_a_correction_after_a_write_off_of_everything_is_refused(patient):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    adjust(invoice, Kind.WRITE_OFF, "700.00")

    with pytest.raises(ApplicationError) as refused:
        services.invoice_credit(invoice_id=invoice.pk, amount="700.00", reason="billed twice", by=None)

    assert refused.value.field == "amount"
    assert credited(invoice) == Decimal("700.00")


@time_machine.travel(MIDDAY, tick=False)
def test_an_adjustment_after_a_correction_counts_the_correction(patient):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    services.invoice_credit(invoice_id=invoice.pk, amount="500.00", reason="price error", by=None)
    adjust(invoice, Kind.REDUCTION, "200.00")

    with pytest.raises(ApplicationError):
        adjust(invoice, Kind.SMALL_CLAIM_CREDIT, "0.01")
    assert credited(invoice) == Decimal("700.00")


@time_machine.travel(MIDDAY, tick=False)
def test_crediting_the_rest_takes_what_is_still_creditable_and_marks_the_invoice_credited(patient):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    adjust(invoice, Kind.REDUCTION, "100.00")

    entry = services.invoice_credit(invoice_id=invoice.pk, amount=None, reason="wrong patient", by=None)

    invoice.refresh_from_db()
    assert entry.amount == Decimal("-600.00")
    assert invoice.status == Invoice.Status.CREDITED
    assert invoice.patient_due == Decimal("0.00")


@time_machine.travel(MIDDAY, tick=False)
def test_a_write_off_may_cover_a_reminder_fee(patient):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    with transaction.atomic():
        services.invoice_charge_fee(
            invoice=services.invoice_lock(invoice_id=invoice.pk), amount=Decimal("35.00"), reference="R1"
        )

    adjust(invoice, Kind.WRITE_OFF, "735.00")

    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("0.00")


@time_machine.travel(MIDDAY, tick=False)
def test_crediting_the_insurers_pending_share_would_leave_a_refundable_credit_and_is_refused(patient):
    # The patient owes 300.00; the insurer's 400.00 is still expected. Crediting 700.00 left a "credit" of
    # 400.00 in the patient's favour, which credit_refund then paid out although the patient never paid it.
    invoice = issued_invoice(patient, lines=LINES)

    with pytest.raises(ApplicationError):
        services.invoice_credit(invoice_id=invoice.pk, amount="700.00", reason="wrong patient", by=None)
    services.invoice_credit(invoice_id=invoice.pk, amount=None, reason="wrong patient", by=None)

    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("0.00")
    with pytest.raises(ApplicationError):
        services.credit_refund(invoice_id=invoice.pk, amount="0.01", method="bank", by=None)


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "NOK\xa0600.00"), ("nb", "600,00\xa0kr"), ("fr", "600,00\xa0NOK"), ("pt", "600,00\xa0NOK")],
)
@time_machine.travel(MIDDAY, tick=False)
def test_the_refusal_names_what_is_still_creditable_in_the_readers_language(patient, language, shown):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    adjust(invoice, Kind.REDUCTION, "100.00")

    with translation.override(language), pytest.raises(ApplicationError) as refused:
        services.invoice_credit(invoice_id=invoice.pk, amount="600.01", reason="price error", by=None)

    assert shown in refused.value.message


@time_machine.travel(MIDDAY, tick=False)
def test_the_refusal_says_when_nothing_is_left_to_credit(patient):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    services.payment_record(invoice_id=invoice.pk, amount="700.00", payer="patient", method="card", by=None)

    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        adjust(invoice, Kind.REDUCTION, "10.00")

    assert "Nothing can be credited" in refused.value.message


@time_machine.travel(MIDDAY, tick=False)
def test_a_credited_fee_is_not_reversed_as_well(patient):
    invoice = issued_invoice(patient, lines=PATIENT_LINES)
    with transaction.atomic():
        fee = services.invoice_charge_fee(
            invoice=services.invoice_lock(invoice_id=invoice.pk), amount=Decimal("35.00"), reference="R1"
        )
    adjust(invoice, Kind.WRITE_OFF, "735.00")

    with pytest.raises(InvalidTransition):
        services.entry_reverse(entry_id=fee.pk, reason="fee not due", by=None)
    assert not invoice.entries.filter(kind=Kind.REVERSAL).exists()
