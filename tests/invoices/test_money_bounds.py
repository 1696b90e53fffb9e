"""Money that fits: every amount, and every sum kept for an invoice, stays within INVOICE_AMOUNT_LIMIT.

Each path that writes money (line, issue, payment, fee, credit) checks before writing and answers with the
field at fault, so nothing that overflows a money column is ever committed (issue 12, item 1).
"""

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError, InvalidTransition
from invoices import services
from invoices.forms import PaymentForm
from invoices.models import Invoice, InvoiceNumberCounter, LedgerEntry
from invoices.money import MAX_AMOUNT
from invoices.selectors import patient_balance
from tests.factories import draft_invoice, issued_invoice

pytestmark = pytest.mark.django_db

LIMIT = Decimal("10000000.00")


def line(unit_price: str, quantity: str = "1") -> dict[str, str]:
    return {"code": "GP1", "description": "Consultation", "quantity": quantity, "unit_price": unit_price}


def draft_body(patient, *lines: dict[str, str]) -> dict:
    return {
        "patient": patient.pk,
        "service_date": "2026-11-02",
        "lines": [{**item, "coverage": "patient"} for item in lines],
    }


def post(client, url: str, data: dict, **headers: str):
    return client.post(url, data, content_type="application/json", headers=headers)


def pay(client, invoice: Invoice, amount: str):
    body = {"amount": amount, "payer": "patient", "method": "bank transfer"}
    return post(client, f"/api/v1/invoices/{invoice.pk}/payments/", body)


def test_it_defaults_the_invoice_limit_far_below_the_column(settings):
    assert Decimal("0") < settings.INVOICE_AMOUNT_LIMIT == LIMIT
    # A patient needs a thousand invoices at the limit before the sum over their account passes the column.
    assert MAX_AMOUNT + Decimal("0.01") >= settings.INVOICE_AMOUNT_LIMIT * 1000


def test_it_refuses_a_line_beyond_the_limit_naming_the_line(patient, billing, client_for):
    response = post(client_for(billing), "/api/v1/invoices/", draft_body(patient, line("10000000.01")))

    assert response.status_code == 400
    # The limit is formatted by the money filter in the reader's language (invoices.money.invoice_limit_message).
    assert "NOK\xa010,000,000.00" in response.json()["lines[0]"][0]
    assert not Invoice.objects.exists()


def test_it_refuses_a_line_whose_quantity_times_price_passes_the_limit(patient):
    with pytest.raises(ApplicationError) as error:
        services.invoice_create_draft(
            patient_id=patient.pk,
            service_date=date(2026, 11, 2),
            lines=[services.LineInput("GP1", "Consultation", Decimal("9999999.99"), Decimal("9999999.99"))],
            by=None,
        )
    assert error.value.field == "lines[0]"
    assert not Invoice.objects.exists()


def test_it_refuses_a_draft_whose_lines_add_up_beyond_the_limit(patient, billing, client_for):
    # Each line is within the limit; the two together are not (on PostgreSQL this answered 500 at issue).
    body = draft_body(patient, line("6000000.00"), line("6000000.00"))

    response = post(client_for(billing), "/api/v1/invoices/", body)

    assert response.status_code == 400
    assert "lines" in response.json()
    assert not Invoice.objects.exists()


def test_it_accepts_lines_that_add_up_to_exactly_the_limit(patient, billing, client_for):
    body = draft_body(patient, line("6000000.00"), line("4000000.00"))

    created = post(client_for(billing), "/api/v1/invoices/", body)
    issued = post(client_for(billing), f"/api/v1/invoices/{created.json()['id']}/issue/", {})

    assert issued.status_code == 200
    assert issued.json()["total"] == "10000000.00"


def test_it_refuses_to_issue_a_draft_beyond_a_lowered_limit_and_consumes_no_number(
    patient, billing, client_for, settings
):
    draft = draft_invoice(patient, lines=[("GP1", "Consultation", "1", "5000.00", "patient")])
    settings.INVOICE_AMOUNT_LIMIT = Decimal("1000.00")

    response = post(client_for(billing), f"/api/v1/invoices/{draft.pk}/issue/", {})

    assert response.status_code == 400
    assert "lines" in response.json()
    draft.refresh_from_db()
    assert draft.is_draft
    assert not LedgerEntry.objects.exists()
    assert not InvoiceNumberCounter.objects.filter(last_value__gt=0).exists()


def test_it_refuses_a_second_maximal_payment_with_400_and_posts_nothing(patient, billing, client_for):
    invoice = issued_invoice(patient)
    client = client_for(billing)

    first = pay(client, invoice, "10000000.00")
    second = pay(client, invoice, "10000000.00")

    assert first.status_code == 201
    assert second.status_code == 400
    assert "amount" in second.json()
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("471.00") - LIMIT
    assert invoice.entries.count() == 2
    assert services.ledger_verify(invoice_ids=[invoice.pk]) == []


def test_it_refuses_a_payment_beyond_the_limit_by_itself(patient, billing, client_for):
    invoice = issued_invoice(patient)

    response = pay(client_for(billing), invoice, "10000000.01")

    assert response.status_code == 400
    assert "amount" in response.json()
    assert invoice.entries.count() == 1


def test_it_refuses_an_insurer_payment_that_would_pass_the_limit(patient):
    invoice = issued_invoice(patient)
    services.payment_record(invoice_id=invoice.pk, amount=LIMIT, payer="insurer", method="remittance", by=None)
    with pytest.raises(ApplicationError) as error:
        services.payment_record(invoice_id=invoice.pk, amount="0.01", payer="insurer", method="remittance", by=None)
    assert error.value.field == "amount"
    invoice.refresh_from_db()
    assert invoice.insurer_paid == LIMIT


def test_it_refuses_a_fee_that_would_take_the_balance_past_the_limit(patient):
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "10000000.00", "patient")])
    with pytest.raises(ApplicationError) as error:
        services.invoice_charge_fee(
            invoice=services.invoice_lock(invoice_id=invoice.pk), amount=Decimal("35.00"), reference="R1"
        )
    assert error.value.field == "amount"
    invoice.refresh_from_db()
    assert invoice.balance == LIMIT
    assert invoice.entries.count() == 1


def test_it_refuses_a_credit_that_would_take_the_balance_past_the_limit(patient):
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "200.00", "patient")])
    services.payment_record(invoice_id=invoice.pk, amount=LIMIT, payer="patient", method="cash", by=None)
    services.payment_record(invoice_id=invoice.pk, amount="150.00", payer="patient", method="cash", by=None)

    with pytest.raises(ApplicationError) as error:
        services.invoice_credit(invoice_id=invoice.pk, amount="100.00", reason="Billed twice", by=None)

    assert error.value.field == "amount"
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("50.00") - LIMIT
    assert not invoice.entries.filter(kind=LedgerEntry.Kind.CREDIT_NOTE).exists()


def test_it_refuses_a_quantity_wider_than_its_column(patient):
    with pytest.raises(ApplicationError) as error:
        services.invoice_create_draft(
            patient_id=patient.pk,
            service_date=date(2026, 11, 2),
            lines=[services.LineInput("MAT", "Gauze", Decimal("10000000"), Decimal("0.01"))],
            by=None,
        )
    assert error.value.field == "lines[0]"


def test_it_keeps_a_patients_account_readable_when_invoices_sum_past_the_column(patient, billing, client_for, settings):
    # The issue's attack with the limit raised to the column itself: one maximal payment on each of two
    # invoices. Each invoice fits; the sum over the account does not fit a 12-digit column, and must not
    # need to.
    settings.INVOICE_AMOUNT_LIMIT = MAX_AMOUNT
    client = client_for(billing)
    for _ in range(2):
        invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "1.00", "patient")])
        assert pay(client, invoice, str(MAX_AMOUNT)).status_code == 201

    response = client.get(f"/api/v1/patients/{patient.pk}/")

    assert response.status_code == 200
    assert response.json()["balance"] == "-19999999997.98"
    assert patient_balance(patient_id=patient.pk) == Decimal("-19999999997.98")
    assert services.ledger_verify() == []


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("1_000", id="underscore"),
        pytest.param("١٠٠", id="arabic-indic-digits"),
        pytest.param("１００", id="fullwidth-digits"),
        pytest.param("1e3", id="exponent"),
        pytest.param(" 100.00", id="leading-space"),
        pytest.param("+100", id="plus-sign"),
        pytest.param(100.5, id="json-float"),
        pytest.param(100, id="json-integer"),
        pytest.param(True, id="json-boolean"),
    ],
)
def test_it_accepts_only_plain_decimal_strings_as_money(patient, billing, client_for, amount):
    invoice = issued_invoice(patient)

    response = pay(client_for(billing), invoice, amount)

    assert response.status_code == 400
    assert "amount" in response.json()
    assert invoice.entries.count() == 1


@pytest.mark.parametrize("quantity", ["1_0", "٢", 2.5])
def test_it_accepts_only_plain_decimal_strings_as_quantities(patient, billing, client_for, quantity):
    body = draft_body(patient, line("100.00", quantity=quantity))

    response = post(client_for(billing), "/api/v1/invoices/", body)

    assert response.status_code == 400
    answer = response.json()
    # A JSON number is refused before the serializer reads it (api.strict_input), naming the place.
    assert "quantity" in answer.get("lines", {}).get("0", {}) or "lines[0].quantity" in answer
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("amount", ["1_000", "١٠٠", "1e3", "100 ", 100.5, True])
def test_the_payment_service_refuses_money_that_is_not_a_plain_decimal(patient, amount):
    invoice = issued_invoice(patient)
    with pytest.raises(ApplicationError) as error:
        services.payment_record(invoice_id=invoice.pk, amount=amount, payer="patient", method="cash", by=None)
    assert error.value.field == "amount"
    assert invoice.entries.count() == 1


def test_it_still_accepts_a_plain_decimal_string(patient, billing, client_for):
    invoice = issued_invoice(patient)

    response = pay(client_for(billing), invoice, "71.00")

    assert response.status_code == 201
    assert response.json()["amount"] == "71.00"


def test_it_never_commits_an_overflowing_balance(patient):
    # On SQLite the overflowing payment used to be committed before the error; read every cached sum back.
    invoice = issued_invoice(patient)
    services.payment_record(invoice_id=invoice.pk, amount=LIMIT, payer="patient", method="cash", by=None)
    with pytest.raises(ApplicationError):
        services.payment_record(invoice_id=invoice.pk, amount=LIMIT, payer="patient", method="cash", by=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(balance_after) FROM invoices_ledgerentry")
        (lowest,) = cursor.fetchone()
    assert Decimal(str(lowest)) >= -LIMIT


def test_it_bounds_sums_not_only_amounts_even_at_the_column_maximum(patient, billing, client_for, settings):
    # The issue's attack as reported: each amount at the column's maximum passes on its own; the second
    # payment would take the balance past what the column holds (PostgreSQL: 500; SQLite: committed).
    settings.INVOICE_AMOUNT_LIMIT = MAX_AMOUNT
    invoice = issued_invoice(patient)
    client = client_for(billing)

    assert pay(client, invoice, str(MAX_AMOUNT)).status_code == 201
    second = pay(client, invoice, str(MAX_AMOUNT))

    assert second.status_code == 400
    assert "amount" in second.json()
    assert invoice.entries.count() == 2
    assert services.ledger_verify(invoice_ids=[invoice.pk]) == []


def test_it_refuses_two_maximal_lines_at_the_column_maximum(patient, billing, client_for, settings):
    settings.INVOICE_AMOUNT_LIMIT = MAX_AMOUNT
    body = draft_body(patient, line(str(MAX_AMOUNT)), line(str(MAX_AMOUNT)))

    response = post(client_for(billing), "/api/v1/invoices/", body)

    assert response.status_code == 400
    assert "lines" in response.json()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("typed", ["1_000", "١٠٠", "1e3"])
def test_the_staff_payment_form_refuses_what_only_python_reads_as_a_number(typed):
    form = PaymentForm({"amount": typed, "payer": "patient", "method": "card", "idempotency_key": str(uuid4())})

    assert not form.is_valid()
    assert "amount" in form.errors


@pytest.mark.parametrize(("language", "typed"), [("nb", "1000,50"), ("en", "1000.50")])
def test_the_staff_payment_form_reads_an_amount_as_the_clerk_types_it(language, typed):
    with translation.override(language):
        form = PaymentForm({"amount": typed, "payer": "patient", "method": "card", "idempotency_key": str(uuid4())})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("1000.50")


SMALL_LIMIT = Decimal("1000.00")
small_cents = st.integers(min_value=1, max_value=250_000).map(lambda n: Decimal(n) / 100)
money_operation = st.one_of(
    st.tuples(st.just("pay"), small_cents, st.sampled_from(["patient", "insurer"])),
    st.tuples(st.just("fee"), small_cents, st.none()),
    st.tuples(st.just("credit"), small_cents, st.none()),
    st.tuples(st.just("refund"), small_cents, st.none()),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.none()),
)


def apply_money_operation(invoice: Invoice, operation: tuple) -> None:
    kind, value, payer = operation
    if kind == "pay":
        services.payment_record(invoice_id=invoice.pk, amount=value, payer=payer, method="bank", by=None)
    elif kind == "fee":
        with transaction.atomic():
            locked = services.invoice_lock(invoice_id=invoice.pk)
            services.invoice_charge_fee(invoice=locked, amount=value, reference="fee")
    elif kind == "credit":
        services.invoice_credit(invoice_id=invoice.pk, amount=value, reason="correction", by=None)
    elif kind == "refund":
        services.credit_refund(invoice_id=invoice.pk, amount=value, method="bank", by=None)
    else:
        entries = list(invoice.entries.exclude(kind=LedgerEntry.Kind.CHARGE).order_by("id"))
        if entries:
            services.entry_reverse(entry_id=entries[value % len(entries)].pk, reason="mistake", by=None)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(money_operation, max_size=14))
def test_no_sequence_of_postings_takes_an_invoice_past_the_limit(patient, operations):
    with override_settings(INVOICE_AMOUNT_LIMIT=SMALL_LIMIT):
        invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "600.00", "insurer")])
        for operation in operations:
            before = invoice.entries.count()
            try:
                apply_money_operation(invoice, operation)
            except (ApplicationError, InvalidTransition):
                assert invoice.entries.count() == before
            invoice.refresh_from_db()
            assert abs(invoice.balance) <= SMALL_LIMIT
            assert abs(invoice.insurer_paid) <= SMALL_LIMIT
            assert all(abs(entry.amount) <= SMALL_LIMIT for entry in invoice.entries.all())
        assert services.ledger_verify(invoice_ids=[invoice.pk]) == []


@pytest.mark.parametrize("value", ["0", "-5", "NaN", "10000000000.00", "5.001"])
def test_it_refuses_to_start_with_a_limit_that_is_not_a_money_amount_that_fits(value):
    env = {**os.environ, "INVOICE_AMOUNT_LIMIT": value, "DJANGO_SETTINGS_MODULE": "clinic_billing.settings"}
    completed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    # NaN is refused by the strict parser (clinic_billing/environment.py), the rest by the bound check.
    assert (
        "INVOICE_AMOUNT_LIMIT must be a positive amount" in completed.stderr
        or 'Environment variable "INVOICE_AMOUNT_LIMIT" invalid' in completed.stderr
    )


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "NOK\xa010,000,000.00"), ("nb", "10\xa0000\xa0000,00\xa0kr"), ("pt", "10\xa0000\xa0000,00\xa0NOK")],
)
def test_every_path_refuses_past_the_limit_with_one_message_naming_it_in_the_readers_language(patient, language, shown):
    invoice = issued_invoice(patient)
    with translation.override(language):
        with pytest.raises(ApplicationError) as payment:
            services.payment_record(
                invoice_id=invoice.pk, amount="10000000.01", payer="patient", method="cash", by=None
            )
        with pytest.raises(ApplicationError) as lines:
            draft_invoice(patient, lines=[("GP1", "Consultation", "2", "6000000.00", "patient")])
        form = PaymentForm(
            {"amount": "10000000.01", "payer": "patient", "method": "card", "idempotency_key": str(uuid4())}
        )
        form.is_valid()

    messages = {payment.value.message, lines.value.message, *form.errors["amount"]}
    assert len(messages) == 1
    assert shown in messages.pop()
