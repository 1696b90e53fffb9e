"""The aging report reads what the database keeps owed per due date and per patient: whatever the services do to
the invoices, in whatever order, it equals the report aggregated afresh from every owed invoice, and
`verify_ledger` finds no difference (and does find one when the kept figures are tampered with)."""

import contextlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError, InvalidTransition
from invoices import services as invoice_services
from invoices.models import Invoice, LedgerEntry, OwedByDueDate, OwedByPatient
from invoices.money import CENT, ZERO
from patient_collections import services as collection_services
from patient_collections.selectors import AGING_BUCKETS, AgingReport, AgingRow, aging_report
from tests.factories import PatientFactory, draft_invoice

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Oslo"))
TODAY = NOW.date()
ROWS = 3  # fewer rows than patients who owe, so the choice of the patients shown is tested too


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patients(db):
    return [PatientFactory(name=name) for name in ("Ada Aas", "Bo Berg", "Cato Dahl", "Dina Eik", "Ada Aas")]


def money(value: Decimal | float | None) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)


def report_from_every_invoice(today: date, limit: int) -> AgingReport:
    """The report as it was computed before the kept figures: aggregated from every owed invoice."""
    owed = Invoice.objects.issued().with_patient_due().filter(patient_due_amount__gt=0)  # type: ignore[misc]
    conditions = {bucket.key: bucket.due_dates(today) for bucket in AGING_BUCKETS}
    sums = {f"sum_{key}": Sum("patient_due_amount", filter=condition) for key, condition in conditions.items()}
    totals = owed.aggregate(
        total=Sum("patient_due_amount"),
        invoice_count=Count("id"),
        patient_count=Count("patient_id", distinct=True),
        **sums,
        **{f"count_{key}": Count("id", filter=condition) for key, condition in conditions.items()},
    )
    rows = (
        owed.values("patient_id", "patient__name")
        .annotate(row_total=Sum("patient_due_amount"), **sums)
        .order_by("-row_total", "patient__name", "patient_id")[:limit]
    )
    return AgingReport(
        today=today,
        totals=tuple(money(totals[f"sum_{bucket.key}"]) for bucket in AGING_BUCKETS),
        counts=tuple(totals[f"count_{bucket.key}"] for bucket in AGING_BUCKETS),
        total=money(totals["total"]),
        invoice_count=totals["invoice_count"],
        patient_count=totals["patient_count"],
        rows=tuple(
            AgingRow(
                patient_id=row["patient_id"],
                name=row["patient__name"],
                amounts=tuple(money(row[f"sum_{bucket.key}"]) for bucket in AGING_BUCKETS),
                total=money(row["row_total"]),
            )
            for row in rows
        ),
    )


cents = st.integers(min_value=1, max_value=80_000).map(lambda n: (Decimal(n) / 100).quantize(CENT))
pick = st.integers(min_value=0, max_value=1_000)
operation = st.one_of(
    # Issued on a day between 200 days ago and today, all the patient's or partly the insurer's.
    st.tuples(st.just("issue"), pick, cents, st.integers(0, 200), st.sampled_from(["patient", "insurer"])),
    st.tuples(st.just("pay"), pick, cents, st.sampled_from(["patient", "insurer"])),
    st.tuples(st.just("pay_batch"), st.lists(st.tuples(pick, cents), min_size=1, max_size=4)),
    st.tuples(st.just("credit"), pick, st.one_of(st.none(), cents)),
    st.tuples(st.just("reverse"), pick, pick),
    st.tuples(st.just("refund"), pick, cents),
    st.tuples(st.just("settle"), pick),
    st.tuples(st.just("fee"), pick, cents),
    st.tuples(st.just("write_off"), pick, cents),
    st.tuples(st.just("move_credit"), pick, pick, cents),
    st.tuples(st.just("defer"), pick, st.integers(1, 60)),
    st.tuples(st.just("void_draft"), pick),
)


def apply(op: tuple, patients: list) -> None:
    kind, *args = op
    invoices = list(Invoice.objects.issued().order_by("id").values_list("id", flat=True))
    if kind == "issue":
        patient_index, amount, days_ago, coverage = args
        lines = [("GP1", "Consultation", "1", str(amount), coverage), ("MAT", "Dressing", "1", "10.00", "patient")]
        draft = draft_invoice(patients[patient_index % len(patients)], lines=lines)
        invoice_services.invoice_issue(invoice_id=draft.pk, by=None, today=TODAY - timedelta(days=days_ago))
        return
    if kind == "void_draft":
        draft = draft_invoice(patients[args[0] % len(patients)])
        invoice_services.invoice_void_draft(invoice_id=draft.pk, by=None, reason="entered twice")
        return
    if not invoices:
        return
    if kind == "pay_batch":
        invoice_services.payments_record_batch(
            payments=[
                invoice_services.BatchPayment(
                    invoice_id=invoices[index % len(invoices)],
                    amount=amount,
                    method="bank_transfer",
                    reference=f"bank {number}",
                    idempotency_key=f"bank-{LedgerEntry.objects.count()}-{number}",
                )
                for number, (index, amount) in enumerate(args[0])
            ]
        )
        return
    invoice_id = invoices[args[0] % len(invoices)]
    if kind == "pay":
        invoice_services.payment_record(invoice_id=invoice_id, amount=args[1], payer=args[2], method="card", by=None)
    elif kind == "credit":
        invoice_services.invoice_credit(invoice_id=invoice_id, amount=args[1], reason="correction", by=None)
    elif kind == "reverse":
        entries = list(LedgerEntry.objects.filter(invoice_id=invoice_id).order_by("id"))
        invoice_services.entry_reverse(entry_id=entries[args[1] % len(entries)].pk, reason="mistake", by=None)
    elif kind == "refund":
        invoice_services.credit_refund(invoice_id=invoice_id, amount=args[1], method="bank", by=None)
    elif kind == "settle":
        invoice_services.invoice_mark_insurance_settled(invoice_id=invoice_id, by=None)
    elif kind in ("fee", "write_off"):
        with transaction.atomic():
            invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
            if kind == "fee":
                invoice_services.invoice_charge_fee(invoice=invoice, amount=args[1], reference="reminder 1")
            else:
                invoice_services.invoice_adjust(
                    invoice=invoice, kind=LedgerEntry.Kind.WRITE_OFF, amount=args[1], reference="", note="", by=None
                )
    elif kind == "move_credit":
        target = invoices[args[1] % len(invoices)]
        invoice_services.credit_apply(source_id=invoice_id, target_id=target, amount=args[2], by=None)
    else:
        collection_services.deferral_create(invoice_id=invoice_id, until=TODAY + timedelta(days=args[1]), by=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=14))
def test_the_kept_report_equals_the_report_from_every_invoice_after_any_operations(patients, operations):
    for op in operations:
        # A refused operation changes nothing; the report must agree either way.
        with contextlib.suppress(ApplicationError, InvalidTransition):
            apply(op, patients)
    for today in (TODAY, TODAY + timedelta(days=45)):
        assert aging_report(today=today, limit=ROWS) == report_from_every_invoice(today, ROWS)
    assert invoice_services.owed_sums_verify() == []


def test_it_follows_an_update_that_bypasses_the_services(patients):
    invoice = draft_invoice(patients[0], lines=[("GP1", "Consultation", "1", "250.00", "patient")])
    invoice = invoice_services.invoice_issue(invoice_id=invoice.pk, by=None, today=TODAY - timedelta(days=50))

    Invoice.objects.filter(pk=invoice.pk).update(due_date=TODAY - timedelta(days=100))

    assert list(OwedByDueDate.objects.values_list("due_date", "owed_cents", "invoice_count")) == [
        (TODAY - timedelta(days=100), 25000, 1)
    ]
    assert aging_report(today=TODAY) == report_from_every_invoice(TODAY, 200)
    Invoice.objects.filter(pk=invoice.pk).update(balance=Decimal("0.00"))
    assert not OwedByDueDate.objects.exists() and not OwedByPatient.objects.exists()


def test_verify_ledger_reports_a_kept_figure_that_differs_from_the_invoices(patients):
    invoice = draft_invoice(patients[0], lines=[("GP1", "Consultation", "1", "250.00", "patient")])
    invoice_services.invoice_issue(invoice_id=invoice.pk, by=None, today=TODAY)
    call_command("verify_ledger", stdout=StringIO())
    # Only the kept figure is changed: exactly what verify_ledger must catch.
    OwedByPatient.objects.filter(~Q(owed_cents=0)).update(owed_cents=1)

    errors = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_ledger", stdout=StringIO(), stderr=errors)
    assert f"owed by patient {patients[0].pk}: kept (1, 1) but the invoices give (25000, 1)" in errors.getvalue()
