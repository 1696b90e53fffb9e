"""A bill whose collection is held shows the arrangement or the reason in force, never "Overdue", on the bill
list and on the bill page, in the patient's language (patient_collections.collection_state)."""

import html
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from disputes import services as dispute_services
from invoices.models import Invoice
from invoices.templatetags.money import local_date, money
from patient_collections import services
from patients.models import Patient
from portal.views.bills import BillState
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

# Weeks after the factory's invoices fell due (issued 2 November 2026, due 16 November).
NOW = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Oslo"))
TODAY = NOW.date()
OWN_LINES = [("GP1", "Consultation", "1", "1000.00", "patient")]
# What each language says; the dates and amounts are formatted in that language below.
WORDS = {
    "en": {
        "deferred": "Deferred until {date}: no reminders before then.",
        "plan": "On a payment plan: next instalment {amount} on {date}.",
        "complaint": "We are looking into your complaint: no reminders meanwhile.",
        "insurance": "Your insurance has not answered yet: no reminders meanwhile.",
        "overdue": "Overdue: was due",
    },
    "nb": {
        "deferred": "Utsatt til {date}: ingen betalingspåminnelser før da.",
        "plan": "Nedbetalingsplan: neste avdrag {amount} den {date}.",
        "complaint": "Vi ser på klagen din: ingen betalingspåminnelser i mellomtiden.",
        "insurance": "Forsikringen din har ikke svart ennå: ingen betalingspåminnelser i mellomtiden.",
        "overdue": "Forfalt: forfallsdato var",
    },
}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(params=["en", "nb"])
def language(request) -> str:
    return request.param


@pytest.fixture
def reader(patient, language) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language=language)
    patient.refresh_from_db()
    return patient


def in_language(language: str, text: str, **values: object) -> str:
    with translation.override(language):
        formatted = {
            key: local_date(value) if key == "date" else money(value)  # type: ignore[arg-type]
            for key, value in values.items()
        }
    return WORDS[language][text].format(**formatted)


def pages(client, invoice: Invoice) -> tuple[str, str]:
    """The bill list and the bill page, as the patient reads them."""
    kwargs = {"patient_id": invoice.patient_id}
    bill_list = client.get(reverse("portal:portal-bills", kwargs=kwargs))
    bill = client.get(reverse("portal:portal-bill", kwargs={**kwargs, "invoice_id": invoice.pk}))
    assert bill_list.context["bills"][0].state == BillState.ON_HOLD
    return html.unescape(bill_list.content.decode()), html.unescape(bill.content.decode())


def test_it_shows_a_deferred_bill_as_deferred_and_never_overdue(reader, language, client_for):
    invoice = issued_invoice(reader, lines=OWN_LINES)
    until = TODAY + timedelta(days=20)
    services.deferral_create(invoice_id=invoice.pk, until=until, self_service=True, by=reader.user)

    for page in pages(client_for(reader.user), invoice):
        assert in_language(language, "deferred", date=until) in page
        assert WORDS[language]["overdue"] not in page


def test_it_shows_the_next_instalment_of_a_plan_instead_of_the_due_date(reader, language, client_for):
    invoice = issued_invoice(reader, lines=OWN_LINES)
    services.payment_plan_create(invoice_id=invoice.pk, instalments=4, first_due=TODAY + timedelta(days=5), by=None)

    for page in pages(client_for(reader.user), invoice):
        assert in_language(language, "plan", amount=Decimal("250.00"), date=TODAY + timedelta(days=5)) in page
        assert WORDS[language]["overdue"] not in page


def test_it_says_the_complaint_is_looked_into_while_it_is_open(reader, language, client_for, front_desk):
    invoice = issued_invoice(reader, lines=OWN_LINES)
    dispute_services.complaint_file(
        patient_id=reader.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="portal",
        category="billing_error",
        description="I was billed twice.",
        by=front_desk,
    )

    for page in pages(client_for(reader.user), invoice):
        assert WORDS[language]["complaint"] in page
        assert WORDS[language]["overdue"] not in page


def test_it_says_the_insurer_has_not_answered_while_insurance_is_pending(reader, language, client_for):
    invoice = issued_invoice(reader)  # the factory's bill has a line the insurer pays, claim pending

    for page in pages(client_for(reader.user), invoice):
        assert WORDS[language]["insurance"] in page
        assert WORDS[language]["overdue"] not in page


@pytest.mark.parametrize("bill_count", [1, 10])
def test_it_lists_held_bills_in_the_same_number_of_queries(reader, client_for, django_assert_num_queries, bill_count):
    for _ in range(bill_count):
        invoice = issued_invoice(reader, lines=OWN_LINES)
        services.deferral_create(invoice_id=invoice.pk, until=TODAY + timedelta(days=20), by=None)
    client = client_for(reader.user)
    client.get(reverse("portal:portal-bills", kwargs={"patient_id": reader.pk}))  # warms the audit log's content types
    # As for any bill list (tests/portal/test_bills.py): 1. session, 2. user, 3. staff roles, 4. the user's
    # patient, 5. the patient the user may see, 6. the audit log entry, 7. the bills with their first line, line
    # count and collection state (its holds and arrangement are subqueries of the same query)
    with django_assert_num_queries(7):
        response = client.get(reverse("portal:portal-bills", kwargs={"patient_id": reader.pk}))
    assert [bill.state for bill in response.context["bills"]] == [BillState.ON_HOLD] * bill_count
