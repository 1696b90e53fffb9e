"""The resolution letter of a closed complaint: content, refusal while open, no fetching, language, queries.

The catalogs must be compiled first (`manage.py compilemessages`, as the Makefile and CI do).
"""

from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone, translation

from clinic_billing.exceptions import InvalidTransition
from disputes import letters, services
from disputes.models import Complaint
from invoices.templatetags.money import local_date, money
from tests.factories import issued_invoice, pdf_text, squeezed

pytestmark = pytest.mark.django_db

PATIENT_LINES = [
    ("GP1", "Consultation", "1", "640.00", "patient"),
    ("MAT", "Dressing materials", "1", "60.00", "patient"),
]
FILE_IMAGE = '<img src="file:///etc/passwd">'


def credited_and_closed(
    patient, front_desk, manager, *, description="The dressing was billed twice.", lines=None, disputed=("MAT",)
):
    """A billing error on the dressing line, credited as a small claim, met and closed by the manager."""
    invoice = issued_invoice(patient, lines=lines or PATIENT_LINES)
    complaint = services.complaint_file(
        patient_id=patient.pk,
        invoice_id=invoice.pk,
        line_ids=list(invoice.lines.filter(code__in=disputed).values_list("pk", flat=True)),
        channel="phone",
        category="billing_error",
        description=description,
        by=front_desk,
    )
    request = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)
    services.adjustment_approve(adjustment_id=request.pk, by=manager, note="Billed twice")
    services.complaint_mark_met(complaint_id=complaint.pk, by=front_desk)
    return services.complaint_close(
        complaint_id=complaint.pk,
        outcome="adjusted",
        resolution_note="Internal: Bjørn fixed the tariff table.",
        resolution_text="We checked the invoice against the treatment record and found the double charge.",
        prevention_note="Dressing materials are now checked against the visit before an invoice is issued.",
        by=manager,
    )


@pytest.fixture
def english_patient(patient):
    patient.language = "en"
    patient.address_line = "Kirkeveien 12"
    patient.postal_code = "0368"
    patient.city = "Oslo"
    patient.save()
    return patient


@pytest.fixture
def named_manager(manager):
    manager.first_name = "Mona"
    manager.last_name = "Berg"
    manager.save()
    return manager


def test_it_writes_the_contact_steps_result_and_completion_date(english_patient, front_desk, named_manager):
    complaint = credited_and_closed(english_patient, front_desk, named_manager)
    invoice = complaint.invoice
    invoice.refresh_from_db()

    data = letters.resolution_letter_pdf(complaint)

    assert data.startswith(b"%PDF")
    text = squeezed(pdf_text(data))
    assert squeezed(f"Your complaint about invoice {invoice.number}") in text
    assert squeezed("Kari Nordmann") in text
    assert squeezed("Kirkeveien 12") in text
    assert squeezed("The dressing was billed twice.") in text
    assert squeezed("Mona Berg") in text
    assert squeezed("found the double charge") in text
    with translation.override("en"):
        completed = local_date(timezone.localdate(complaint.closed_at), "long")
        credited = money(Decimal("60.00"))
        new_due = money(invoice.patient_due)
    assert squeezed(f"We completed the handling of your complaint on {completed}") in text
    assert invoice.patient_due == Decimal("640.00")
    assert squeezed(f"We have credited {credited} to the invoice") in text
    assert squeezed(f"New amount to pay{new_due}") in text
    assert squeezed(invoice.payment_reference) in text
    assert squeezed("We will call you in about 3 days") in text


def test_it_keeps_the_internal_prevention_and_steps_notes_out_of_the_letter(english_patient, front_desk, named_manager):
    complaint = credited_and_closed(english_patient, front_desk, named_manager)

    text = squeezed(pdf_text(letters.resolution_letter_pdf(complaint)))

    assert squeezed("Dressing materials are now checked against the visit") not in text
    assert squeezed("What we are doing so it does not happen again") not in text
    assert squeezed("fixed the tariff table") not in text
    assert squeezed("found the double charge") in text


def test_it_says_so_when_nothing_is_owed_anymore(english_patient, front_desk, named_manager):
    complaint = credited_and_closed(
        english_patient, front_desk, named_manager, lines=[("MAT", "Dressing materials", "1", "60.00", "patient")]
    )
    assert complaint.invoice.patient_due == Decimal("0.00")

    text = pdf_text(letters.resolution_letter_pdf(complaint))

    assert "You have nothing more to pay on this invoice." in text
    assert "Amount to pay" not in text
    assert "New amount to pay" not in text


def test_it_refuses_the_letter_of_an_open_complaint(english_patient, front_desk):
    invoice = issued_invoice(english_patient, lines=PATIENT_LINES)
    complaint = services.complaint_file(
        patient_id=english_patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="desk",
        category="invoice_question",
        description="What is this invoice for?",
        by=front_desk,
    )

    with pytest.raises(InvalidTransition, match="closed"):
        letters.resolution_letter_pdf(complaint)


def test_it_prints_markup_in_the_patients_words_as_text_and_fetches_nothing(
    english_patient, front_desk, named_manager, fetched_urls
):
    complaint = credited_and_closed(english_patient, front_desk, named_manager, description=f"Look: {FILE_IMAGE}")

    html = letters.resolution_letter_html(complaint)
    text = pdf_text(letters.resolution_letter_pdf(complaint))

    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "<img" not in html
    assert squeezed(FILE_IMAGE) in squeezed(text)
    assert fetched_urls == []
    assert "root:" not in text


def test_it_renders_a_norwegian_patients_letter_in_norwegian(patient, front_desk, named_manager):
    assert patient.language == "nb"
    complaint = credited_and_closed(patient, front_desk, named_manager)
    languages: list[str | None] = []
    render = letters.render_to_string

    def recording_render(*args, **kwargs):
        languages.append(translation.get_language())
        return render(*args, **kwargs)

    with translation.override("en"), mock.patch.object(letters, "render_to_string", recording_render):
        text = pdf_text(letters.resolution_letter_pdf(complaint))

    assert languages == ["nb"]
    with translation.override("nb"):
        completed = local_date(timezone.localdate(complaint.closed_at), "long")
        new_due = money(Decimal("640.00"))
    assert squeezed(completed) in squeezed(text)
    assert squeezed(new_due) in squeezed(text)
    assert "forliksrådet" in text


@pytest.mark.parametrize("line_count", [2, 20])
def test_it_renders_with_a_fixed_number_of_queries(
    english_patient, front_desk, named_manager, django_assert_num_queries, line_count
):
    lines = [(f"L{n}", f"Service {n}", "1", "10.00", "patient") for n in range(line_count)]
    codes = [code for code, *_ in lines]
    complaint_id = credited_and_closed(english_patient, front_desk, named_manager, lines=lines, disputed=codes).pk
    complaint = Complaint.objects.get(pk=complaint_id)

    # 1. the complaint with its patient, invoice, closer and policy, 2. its approved adjustments,
    # 3. the invoice lines it is about
    with django_assert_num_queries(3):
        letters.resolution_letter_pdf(complaint)
