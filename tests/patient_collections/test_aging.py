"""The aging report: what patients owe, bucketed by days past due in the database, with a fixed query count."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices import services as invoice_services
from invoices.jurisdiction import current_profile
from patient_collections.selectors import AGING_BUCKETS, aging_report, aging_report_csv
from tests.factories import PatientFactory, draft_invoice

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
ZERO = Decimal("0.00")
BUCKET_KEYS = [bucket.key for bucket in AGING_BUCKETS]


def owing(patient, *, days_past_due: int, amount: str = "100.00", coverage: str = "patient"):
    """An issued invoice whose due date lies `days_past_due` days before TODAY (negative: not yet due)."""
    due = TODAY - timedelta(days=days_past_due)
    invoice = draft_invoice(patient, lines=[("GP1", "Consultation", "1", amount, coverage)])
    issued = invoice_services.invoice_issue(
        invoice_id=invoice.pk, by=None, today=due - timedelta(days=current_profile().payment_terms_days)
    )
    assert issued.due_date == due
    return issued


def amounts_by_bucket(amounts) -> dict[str, Decimal]:
    return dict(zip(BUCKET_KEYS, amounts, strict=True))


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "days_91_120"),
        (120, "days_91_120"),
        (121, "over_120"),
        (400, "over_120"),
    ],
)
def test_it_puts_an_invoice_in_the_bucket_of_its_days_past_due(patient, days_past_due, bucket):
    owing(patient, days_past_due=days_past_due, amount="123.45")

    report = aging_report(today=TODAY)

    expected = {key: (Decimal("123.45") if key == bucket else ZERO) for key in BUCKET_KEYS}
    assert amounts_by_bucket(report.totals) == expected
    assert dict(zip(BUCKET_KEYS, report.counts, strict=True)) == {key: int(key == bucket) for key in BUCKET_KEYS}
    [row] = report.rows
    assert (row.patient_id, row.name, row.total) == (patient.pk, "Kari Nordmann", Decimal("123.45"))
    assert amounts_by_bucket(row.amounts) == expected


def test_totals_equal_the_sum_of_the_rows_and_rows_are_ordered_by_what_is_owed(patient, other_patient):
    for days, amount in ((0, "10.10"), (1, "20.20"), (30, "30.30"), (31, "40.40"), (120, "50.50"), (121, "60.60")):
        owing(patient, days_past_due=days, amount=amount)
    owing(other_patient, days_past_due=45, amount="999.99")
    owing(other_patient, days_past_due=200, amount="0.01")

    report = aging_report(today=TODAY)

    assert [row.name for row in report.rows] == ["Ivan Petrov", "Kari Nordmann"]
    assert amounts_by_bucket(report.rows[1].amounts) == {
        "current": Decimal("10.10"),
        "days_1_30": Decimal("50.50"),
        "days_31_60": Decimal("40.40"),
        "days_61_90": ZERO,
        "days_91_120": Decimal("50.50"),
        "over_120": Decimal("60.60"),
    }
    for index, total in enumerate(report.totals):
        assert total == sum((row.amounts[index] for row in report.rows), ZERO)
    assert report.total == sum((row.total for row in report.rows), ZERO) == Decimal("1212.10")
    assert all(row.total == sum(row.amounts, ZERO) for row in report.rows)
    assert (report.invoice_count, report.patient_count, report.truncated) == (8, 2, False)
    assert all(isinstance(amount, Decimal) and amount == amount.quantize(Decimal("0.01")) for amount in report.totals)


def test_it_counts_only_what_patients_owe_on_issued_invoices(patient):
    paid = owing(patient, days_past_due=10)
    invoice_services.payment_record(invoice_id=paid.pk, amount="100.00", payer="patient", method="card", by=None)
    partly_paid = owing(patient, days_past_due=10, amount="300.00")
    invoice_services.payment_record(invoice_id=partly_paid.pk, amount="120.00", payer="patient", method="card", by=None)
    owing(patient, days_past_due=10, coverage="insurer")  # the insurer's part is not the patient's yet
    draft_invoice(patient)

    report = aging_report(today=TODAY)

    assert amounts_by_bucket(report.totals)["days_1_30"] == Decimal("180.00")
    assert report.invoice_count == 1


def test_it_limits_the_rows_but_totals_everyone(patient, other_patient):
    third = PatientFactory(name="Ada Aas")
    owing(patient, days_past_due=5, amount="300.00")
    owing(other_patient, days_past_due=5, amount="200.00")
    owing(third, days_past_due=5, amount="100.00")

    report = aging_report(today=TODAY, limit=2)

    assert [row.name for row in report.rows] == ["Kari Nordmann", "Ivan Petrov"]
    assert report.truncated
    assert report.total == Decimal("600.00")


def test_the_report_runs_two_queries_whatever_the_number_of_invoices(patient, django_assert_num_queries):
    owing(patient, days_past_due=3)
    # 1. totals and counts per bucket over all invoices  2. the per-patient rows
    with django_assert_num_queries(2):
        aging_report(today=TODAY)
    for days in range(9):
        owing(PatientFactory(), days_past_due=days * 20)
    with CaptureQueriesContext(connection) as queries:
        report = aging_report(today=TODAY)
    assert len(queries) == 2
    assert report.invoice_count == 10


def test_the_csv_has_a_header_a_row_per_patient_and_the_totals(patient, other_patient):
    owing(patient, days_past_due=0, amount="10.00")
    owing(patient, days_past_due=61, amount="20.00")
    owing(other_patient, days_past_due=121, amount="5.00")
    other_patient.name = "=cmd|' /C calc'!A0"
    other_patient.save()

    rows = list(csv.reader(io.StringIO(aging_report_csv(aging_report(today=TODAY)))))

    assert rows[0] == [
        "Patient id",
        "Patient",
        "Current (not yet due)",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "91–120 days",
        "Over 120 days",
        "Total",
    ]
    assert rows[1] == [str(patient.pk), "Kari Nordmann", "10.00", "0.00", "0.00", "20.00", "0.00", "0.00", "30.00"]
    assert rows[2] == [
        str(other_patient.pk),
        "'=cmd|' /C calc'!A0",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "5.00",
        "5.00",
    ]
    assert rows[3] == ["", "All patients", "10.00", "0.00", "0.00", "20.00", "0.00", "5.00", "35.00"]
    assert len(rows) == 4


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_the_csv_starts_no_formula_after_a_separator_in_a_name(patient, separator):
    owing(patient, days_past_due=10)
    patient.name = f'Kari{separator}=HYPERLINK("http://evil.example")'
    patient.save()

    text = aging_report_csv(aging_report(today=TODAY))
    [row] = [row for row in csv.reader(io.StringIO(text)) if row[0] == str(patient.pk)]

    assert row[1] == f'Kari{separator}\'=HYPERLINK("http://evil.example")'
    assert not any(cell.lstrip(' "').startswith("=") for line in text.splitlines() for cell in line.split(separator))
