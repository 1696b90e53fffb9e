"""The statement of account: figures that add up, the period, and the PDF in the patient's language."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from clinic_billing.exceptions import ApplicationError
from invoices import pdf, services
from invoices.statements import patient_statement, statement_period, statement_period_asked
from invoices.templatetags.money import money
from tests.factories import at, invoice_with_credit, issue, pdf_text, squeezed

pytestmark = pytest.mark.django_db

BANK = services.RefundPayee(method="bank_transfer", name="Kari Nordmann", account="86011117947")


def _history(patient, billing, manager):
    """December 2025: one invoice paid. January 2026: an overpaid one, one open, credit applied, a refund."""
    with time_machine.travel(at(date(2025, 12, 1)), tick=False):
        paid = issue(patient, date(2025, 12, 1))
    with time_machine.travel(at(date(2025, 12, 10)), tick=False):
        services.payment_record(invoice_id=paid.pk, amount="200.00", payer="patient", method="cash", by=None)
    with time_machine.travel(at(date(2026, 1, 5)), tick=False):
        overpaid = invoice_with_credit(patient, "150.00", day=date(2026, 1, 5))
        open_invoice = issue(patient, date(2026, 1, 5))
    with time_machine.travel(at(date(2026, 1, 10)), tick=False):
        services.credit_apply(source_id=overpaid.pk, target_id=open_invoice.pk, amount="100.00", by=billing)
        refund = services.refund_request_create(invoice_id=overpaid.pk, amount="20.00", payee=BANK, by=billing)
        services.refund_approve(refund_id=refund.pk, by=manager)
    return paid, overpaid, open_invoice


def test_the_figures_add_up(patient, billing, manager):
    paid, overpaid, open_invoice = _history(patient, billing, manager)

    statement = patient_statement(
        patient_id=patient.pk, start=date(2026, 1, 1), end=date(2026, 1, 31), today=date(2026, 2, 1)
    )

    assert statement.opening_balance == Decimal("300.00")  # 500.00 charged in December, 200.00 paid
    totals = {group.key: group.total for group in statement.groups}
    assert totals == {
        "charges": Decimal("1000.00"),
        "payments": Decimal("-650.00"),
        "credits": Decimal("0.00"),
        "refunds": Decimal("20.00"),
        "transfers": Decimal("0.00"),
    }
    assert statement.closing_balance == Decimal("670.00")
    assert statement.closing_balance == statement.open_total + statement.credit_total
    assert statement.rows[-1].balance == statement.closing_balance
    assert [(item.invoice, item.balance) for item in statement.open_invoices] == [
        (paid, Decimal("300.00")),
        (open_invoice, Decimal("400.00")),
    ]
    assert [(item.invoice, item.balance) for item in statement.credits] == [(overpaid, Decimal("-30.00"))]


def test_a_period_sees_only_what_was_posted_by_its_end(patient, billing, manager):
    paid, _overpaid, _open = _history(patient, billing, manager)

    statement = patient_statement(
        patient_id=patient.pk, start=date(2025, 12, 1), end=date(2025, 12, 31), today=date(2026, 2, 1)
    )

    assert statement.opening_balance == Decimal("0.00")
    assert statement.closing_balance == Decimal("300.00")
    assert [item.invoice for item in statement.open_invoices] == [paid]
    assert [row.kind for row in statement.rows] == ["charge", "patient_payment"]


def test_it_leaves_out_another_patients_invoices(patient, other_patient, billing, manager):
    _history(patient, billing, manager)
    statement = patient_statement(
        patient_id=other_patient.pk, start=date(2025, 1, 1), end=date(2026, 1, 31), today=date(2026, 2, 1)
    )
    assert (statement.rows, statement.open_invoices, statement.closing_balance) == ([], [], Decimal("0.00"))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 2, 1), date(2026, 1, 1), "from"),
        (date(2020, 1, 1), date(2026, 1, 1), "from"),
        (None, date(2026, 3, 1), "to"),
    ],
)
def test_it_refuses_a_period_it_cannot_state(start, end, field):
    with pytest.raises(ApplicationError) as refused:
        statement_period(start, end, today=date(2026, 2, 1))
    assert refused.value.field == field


def test_it_refuses_a_date_that_is_not_a_date():
    with pytest.raises(ApplicationError) as refused:
        statement_period_asked({"from": "2026-02-30"})
    assert refused.value.field == "from"


def _money_in(value: Decimal, language: str) -> str:
    with translation.override(language):
        return squeezed(money(value))


def test_the_pdf_speaks_norwegian_to_a_norwegian_speaking_patient(patient, billing, manager):
    assert patient.language == "nb"
    _paid, overpaid, _open = _history(patient, billing, manager)

    with time_machine.travel(at(date(2026, 2, 1)), tick=False):
        text = pdf_text(pdf.statement_pdf_bytes(patient=patient, start=date(2026, 1, 1), end=date(2026, 1, 31)))

    assert "Kari Nordmann" in text
    assert "Forfallsdato" in text and "Saldo" in text and "Fakturanummer" in text
    assert "Due date" not in text
    assert "Tilbakebetaling" in text  # the refund's movement
    assert overpaid.number in text
    assert _money_in(Decimal("670.00"), "nb") in squeezed(text)
    assert _money_in(Decimal("-30.00"), "nb") in squeezed(text)


def test_the_pdf_speaks_french_to_a_french_speaking_patient(patient, billing, manager):
    patient.language = "fr"
    patient.save()
    _history(patient, billing, manager)

    with time_machine.travel(at(date(2026, 2, 1)), tick=False):
        text = pdf_text(pdf.statement_pdf_bytes(patient=patient, start=date(2026, 1, 1), end=date(2026, 1, 31)))

    assert "Date d’échéance" in text or "Date d'échéance" in text
    assert "Remboursement" in text and "Solde" in text
    assert "Due date" not in text
    assert _money_in(Decimal("670.00"), "fr") in squeezed(text)
