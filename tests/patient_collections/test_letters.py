"""Collections on paper: notice letters, the day's print batch, the tvistevarsel, the case file, the agency CSV.

The catalogs must be compiled first (`manage.py compilemessages`, as the Makefile and CI do).
"""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from disputes import services as dispute_services
from invoices.templatetags.money import local_date, money
from patient_collections import letters
from patient_collections.models import CollectionCase, Reminder
from tests.factories import (
    at,
    issue,
    patient_with_address,
    pdf_pages,
    pdf_text,
    run_day,
    sent_notice,
    squeezed,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)
FILE_IMAGE = '<img src="file:///etc/passwd">'


def shown(language: str, template_filter, value) -> str:
    """How a template filter (money, local_date) shows `value` to a reader of `language`, squeezed."""
    with translation.override(language):
        return squeezed(template_filter(value))


@pytest.fixture
def final_notice():
    """The Norwegian schedule run to its end: reminder, fee reminder, then the inkassovarsel by letter."""
    invoice = issue(patient_with_address())
    due = invoice.due_date
    run_day(due + timedelta(days=1))
    run_day(due + timedelta(days=16))
    [reminder] = run_day(due + timedelta(days=31))
    assert (reminder.notice_type, reminder.channel, reminder.fee) == ("final_notice", "letter", Decimal("35.00"))
    return reminder


@pytest.fixture
def case(final_notice):
    """The case the sweep proposes once the inkassovarsel's deadline has passed."""
    run_day(final_notice.invoice.due_date + timedelta(days=46))
    return CollectionCase.objects.get(invoice=final_notice.invoice)


def test_it_titles_the_norwegian_final_notice_varsel_om_inkasso_and_states_the_claim(final_notice):
    invoice = final_notice.invoice

    text = squeezed(pdf_text(letters.notice_letter_pdf(final_notice)))

    assert squeezed("Varsel om inkasso") in text
    assert invoice.number in text
    assert "Consultation" in text
    assert invoice.payment_reference in text
    # inkassoloven § 9: principal, the earlier fee and this notice's fee each on a line of their own.
    assert squeezed("Hovedstol") + shown("nb", money, Decimal("500.00")) in text
    assert squeezed("Tidligere purregebyr") + shown("nb", money, Decimal("35.00")) in text
    assert squeezed("Purregebyr") + shown("nb", money, Decimal("35.00")) in text
    assert shown("nb", money, Decimal("570.00")) in text
    assert shown("nb", money, Decimal("535.00")) not in text  # no "amount owed" mixing principal and fees
    assert shown("nb", local_date, final_notice.deadline) in text
    assert "Storgata5" in text and "0155Oslo" in text


def test_it_writes_the_letter_in_the_patients_language_keeping_the_legal_norwegian_title(final_notice):
    patient = final_notice.invoice.patient
    patient.language = "en"
    patient.save()

    text = squeezed(pdf_text(letters.notice_letter_pdf(final_notice)))

    assert squeezed("Varsel om inkasso") in text
    assert squeezed("Final notice") in text
    assert squeezed("the claim will be sent to a debt collection agency") in text
    assert shown("en", local_date, final_notice.deadline) in text


def test_it_titles_a_reminder_and_tells_how_to_ask_for_a_plan(settings):
    settings.BILLING_JURISDICTION = "US"
    invoice = issue(patient_with_address(language="en"))
    reminder = sent_notice(invoice, sent_at=at(DAY))

    text = squeezed(pdf_text(letters.notice_letter_pdf(reminder)))

    assert squeezed("Reminder") in text
    assert "Varsel" not in text
    assert squeezed("we can agree a payment plan or a later date") in text
    assert shown("en", money, Decimal("500.00")) in text
    assert invoice.payment_reference in text


def test_a_final_notice_outside_norway_says_the_claim_may_go_to_collection(settings):
    settings.BILLING_JURISDICTION = "FR"
    invoice = issue(patient_with_address(language="en"))
    reminder = sent_notice(invoice, sent_at=at(DAY))
    Reminder.objects.filter(pk=reminder.pk).update(notice_type="final_notice")
    reminder.refresh_from_db()

    text = squeezed(pdf_text(letters.notice_letter_pdf(reminder)))

    assert squeezed("Final notice") in text
    assert squeezed("the claim may be sent to collection") in text
    assert "Varsel" not in text


def test_the_print_batch_holds_that_days_letters_in_postal_code_order():
    bergen = issue(patient_with_address("Bjarne Bergen", "5003"))
    oslo_b = issue(patient_with_address("Berit Oslo", "0155"))
    oslo_a = issue(patient_with_address("Anders Oslo", "0155"))
    tromso = issue(patient_with_address("Tove Tromsø", "9008"))
    late_evening = sent_notice(bergen, sent_at=at(DAY, 23, 30))
    sent_notice(oslo_b, sent_at=at(DAY, 9))
    sent_notice(oslo_a, sent_at=at(DAY, 0, 5))
    sent_notice(tromso, sent_at=at(DAY - timedelta(days=1), 23, 59))  # yesterday
    sent_notice(tromso, sent_at=at(DAY + timedelta(days=1), 0, 1), step=2)  # tomorrow
    sent_notice(issue(patient_with_address("Eva Email", "0001")), sent_at=at(DAY), channel="email")
    sent_notice(issue(patient_with_address("Queued Quist", "0002")), sent_at=at(DAY), status="queued")

    pages = pdf_pages(letters.print_batch_pdf(DAY))

    assert len(pages) == 3
    assert "AndersOslo" in squeezed(pages[0]) and oslo_a.number in pages[0]
    assert "BeritOslo" in squeezed(pages[1]) and oslo_b.number in pages[1]
    assert "BjarneBergen" in squeezed(pages[2]) and late_evening.invoice.number in pages[2]


def test_the_print_batch_is_none_for_a_day_without_letters():
    sent_notice(issue(patient_with_address()), sent_at=at(DAY), channel="email")

    assert letters.print_batch_pdf(DAY) is None


def test_the_print_batch_runs_three_queries_whatever_the_number_of_letters(django_assert_num_queries):
    def batch_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            letters.print_batch_pdf(DAY)
        return len(queries)

    for number in range(2):
        sent_notice(issue(patient_with_address(f"Patient {number}", f"0{number}00")), sent_at=at(DAY))
    # 1. the day's letter reminders with invoice, patient and tiers payant  2. their invoice lines  3. their
    # ledger entries (the rows of who pays what)
    with django_assert_num_queries(3):
        letters.print_batch_pdf(DAY)
    for number in range(2, 8):
        sent_notice(issue(patient_with_address(f"Patient {number}", f"0{number}00")), sent_at=at(DAY))
    assert Reminder.objects.filter(channel="letter").count() == 8
    assert batch_queries() == 3


def test_a_notice_letter_runs_three_queries(final_notice, django_assert_num_queries):
    # 1. the reminder with invoice, patient and tiers payant  2. the invoice lines  3. the ledger entries
    with django_assert_num_queries(3):
        letters.notice_letter_pdf(final_notice)


def test_markup_in_a_description_is_escaped_and_never_fetched(fetched_urls):
    invoice = issue(patient_with_address(), lines=[("BANDAGE", f"Bandage {FILE_IMAGE}", "1", "50.00", "patient")])
    reminder = sent_notice(invoice, sent_at=at(DAY))
    case = CollectionCase.objects.create(invoice=invoice, amount=Decimal("50.00"))

    html = letters.notice_letter_html(reminder)
    text = pdf_text(letters.notice_letter_pdf(reminder))
    batch_text = pdf_text(letters.print_batch_pdf(DAY))
    notice_text = pdf_text(letters.conciliation_notice_pdf(case))
    summary_text = pdf_text(letters.case_summary_pdf(case))

    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "<img" not in html
    assert "<img" not in letters.conciliation_notice_html(case)
    assert "<img" not in letters.case_summary_html(case)
    assert fetched_urls == []
    for rendered in (text, batch_text, notice_text, summary_text):
        assert squeezed(FILE_IMAGE) in squeezed(rendered)
        assert "root:" not in rendered


def test_the_tvistevarsel_names_the_claim_the_amount_the_board_and_the_14_day_deadline(case):
    invoice = case.invoice
    answer_by = timezone.localdate() + timedelta(days=14)

    text = squeezed(pdf_text(letters.conciliation_notice_pdf(case)))

    assert "Tvistevarsel" in text
    assert "forliksrådet" in text and "Oslo" in text
    assert invoice.number in text and "Consultation" in text
    assert shown("nb", money, invoice.patient_due) in text
    assert shown("nb", local_date, answer_by) in text
    assert invoice.payment_reference in text


@pytest.mark.parametrize("jurisdiction", ["US", "FR"])
def test_outside_norway_the_pre_litigation_notice_is_neutral(settings, jurisdiction):
    settings.BILLING_JURISDICTION = jurisdiction
    invoice = issue(patient_with_address(language="en"))
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)

    text = squeezed(pdf_text(letters.conciliation_notice_pdf(case)))

    assert squeezed("Final notice before legal proceedings") in text
    assert squeezed("the conciliator or to the small-claims procedure") in text
    assert "Tvistevarsel" not in text and "forliksrådet" not in text
    assert shown("en", money, Decimal("500.00")) in text


def test_the_case_file_holds_ledger_notices_complaints_and_balance_without_the_patients_words(case):
    invoice = case.invoice
    complaint = dispute_services.complaint_file(
        patient_id=invoice.patient_id,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="phone",
        category="invoice_question",
        description="My knee still hurts after the operation",
        by=None,
    )
    dispute_services.complaint_close(
        complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer invoice text", by=None
    )
    notices = Reminder.objects.filter(invoice=invoice, status="sent").order_by("step")

    text = squeezed(pdf_text(letters.case_summary_pdf(case)))

    assert "AstridBerg" in text and invoice.number in text and "Consultation" in text
    assert shown("nb", local_date, invoice.patient.date_of_birth) in text
    for notice in notices:
        assert shown("nb", local_date, timezone.localdate(notice.sent_at)) in text
    assert shown("nb", money, Decimal("500.00")) in text
    assert shown("nb", money, Decimal("570.00")) in text  # balance after the second fee, and now
    with translation.override("nb"):
        assert squeezed(str(complaint.get_category_display())) in text
        assert squeezed(str(complaint.get_outcome_display())) in text
    assert "knee" not in text


def test_the_case_file_runs_a_fixed_number_of_queries(case, django_assert_num_queries):
    for description in ("What is this for?", "Still unclear"):
        complaint = dispute_services.complaint_file(
            patient_id=case.invoice.patient_id,
            invoice_id=case.invoice_id,
            line_ids=list(case.invoice.lines.values_list("pk", flat=True)),
            channel="phone",
            category="invoice_question",
            description=description,
            by=None,
        )
        dispute_services.complaint_close(
            complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer text", by=None
        )
    # 1. case with invoice, patient and decider  2. lines  3. ledger entries  4. notices sent
    # 5. complaints  6. the lines they dispute  7. the tvistevarsel sent, if any (its date and deadline)
    with django_assert_num_queries(7):
        letters.case_summary_pdf(case)


def test_the_agency_csv_has_a_header_and_one_row_per_case(case):
    invoice = case.invoice
    other = issue(patient_with_address("=HYPERLINK(1)", "9008"))
    other_case = CollectionCase.objects.create(invoice=other, amount=other.patient_due)
    last_notice = Reminder.objects.filter(invoice=invoice, status="sent").order_by("-sent_at").first()

    rows = list(csv.reader(io.StringIO(letters.agency_export_csv(CollectionCase.objects.all()))))

    assert rows[0] == list(letters.AGENCY_CSV_HEADER)
    assert rows[1] == [
        str(case.pk),
        invoice.number,
        "Astrid Berg",
        "1980-05-17",
        "Storgata 5, 0155 Oslo",
        "570.00",
        invoice.due_date.isoformat(),
        timezone.localdate(last_notice.sent_at).isoformat(),
        invoice.payment_reference,
        "500.00",  # principal
        "70.00",  # the purring's and the inkassovarsel's fees, kept apart from the principal
        "collect",
    ]
    assert rows[2][:3] == [str(other_case.pk), other.number, "'=HYPERLINK(1)"]
    assert rows[2][7] == ""  # no notice sent
    assert len(rows) == 3
    assert letters.agency_export_csv([other_case]).splitlines()[1].startswith(f"{other_case.pk},")


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_the_agency_csv_starts_no_formula_in_a_spreadsheet_splitting_on_any_separator(separator):
    """A city `x;=cmd|…;` has no comma, so the writer leaves it unquoted: an nb-NO Excel splits it on `;`."""
    patient = patient_with_address()
    patient.city = f"x{separator}=cmd|' /C calc'!A0{separator}"
    patient.save()
    invoice = issue(patient)
    CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)

    line = letters.agency_export_csv(CollectionCase.objects.all()).splitlines()[1]

    assert f"{separator}'=cmd|" in line
    assert not any(cell.lstrip(' "').startswith("=") for cell in line.split(separator))
