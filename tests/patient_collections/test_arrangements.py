"""At most one arrangement (payment plan or deferral) holds an invoice: a new one replaces the old explicitly,
and the portal's self-service deferral is one per bill."""

import html
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from clinic_billing.exceptions import InvalidTransition
from invoices.models import Invoice
from invoices.templatetags.money import local_date, money
from patient_collections import services
from patient_collections.models import Deferral, FollowUpCall, PaymentPlan
from patients.models import Patient
from tests.concurrency import POSTGRESQL_ONLY, run_together
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

# A Tuesday morning, weeks after the factory's invoices fell due (issued 2 November 2026).
NOW = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Oslo"))
TODAY = NOW.date()
LINES = [("GP1", "Consultation", "1", "1000.00", "patient")]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def english_patient(patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language="en")
    patient.refresh_from_db()
    return patient


@pytest.fixture
def invoice(english_patient) -> Invoice:
    return issued_invoice(english_patient, lines=LINES)


def paused(invoice: Invoice, today: date = TODAY) -> bool:
    return Invoice.objects.filter(services.paused_invoices(today=today), pk=invoice.pk).exists()


def en_date(day: date) -> str:
    with translation.override("en"):
        return local_date(day)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def defer(invoice: Invoice, days: int = 20, **kwargs) -> Deferral:
    return services.deferral_create(invoice_id=invoice.pk, until=TODAY + timedelta(days=days), by=None, **kwargs)


# --- The services ------------------------------------------------------------------------------------


def test_it_refuses_a_plan_while_the_bill_is_deferred(invoice):
    deferral = defer(invoice)
    with translation.override("en"), pytest.raises(InvalidTransition) as error:
        services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    assert str(error.value.message) == (
        f"This bill is deferred until {en_date(deferral.until)}; choose to replace the deferral."
    )
    assert not PaymentPlan.objects.exists()
    deferral.refresh_from_db()
    assert deferral.ended_at is None


def test_it_refuses_a_deferral_while_a_plan_is_kept(invoice):
    services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    with translation.override("en"), pytest.raises(InvalidTransition) as error:
        defer(invoice)
    assert "payment plan" in error.value.message and "replace" in error.value.message
    assert not Deferral.objects.exists()
    assert PaymentPlan.objects.get().status == PaymentPlan.Status.ACTIVE


def test_it_refuses_a_second_deferral_over_a_running_one(invoice):
    defer(invoice, days=10)
    with pytest.raises(InvalidTransition):
        defer(invoice, days=30)
    assert Deferral.objects.count() == 1


def test_it_replaces_a_deferral_by_a_plan_explicitly_and_the_plan_keeps_reminders_paused(invoice, billing):
    deferral = defer(invoice)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, replace_arrangement=True, by=billing)
    deferral.refresh_from_db()
    assert (deferral.ended_at, deferral.ended_by) == (timezone.now(), billing)
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert paused(invoice)
    assert not Deferral.objects.active(TODAY).exists()


def test_it_replaces_a_plan_by_a_deferral_explicitly_and_the_deferral_keeps_reminders_paused(invoice, billing):
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=billing)
    deferral = services.deferral_create(
        invoice_id=invoice.pk, until=TODAY + timedelta(days=30), replace_arrangement=True, by=billing
    )
    plan.refresh_from_db()
    assert (plan.status, plan.ended_at) == (PaymentPlan.Status.CANCELLED, timezone.now())
    assert deferral.is_active(TODAY)
    assert paused(invoice)
    assert not paused(invoice, TODAY + timedelta(days=31))  # the cancelled plan no longer holds it


def test_it_replaces_a_deferral_by_a_later_one_and_only_the_new_one_runs(invoice, billing):
    first = defer(invoice, days=10)
    second = services.deferral_create(
        invoice_id=invoice.pk, until=TODAY + timedelta(days=40), replace_arrangement=True, by=billing
    )
    first.refresh_from_db()
    assert first.ended_by == billing
    assert list(Deferral.objects.active(TODAY)) == [second]


def test_it_no_longer_pauses_reminders_for_an_ended_deferral(invoice, billing):
    long = defer(invoice, days=60)
    services.payment_plan_create(invoice_id=invoice.pk, instalments=2, replace_arrangement=True, by=billing)
    PaymentPlan.objects.get().delete()  # only the ended deferral is left: it must not hold the invoice
    assert Deferral.objects.get() == long
    assert not paused(invoice)
    assert invoice in services.overdue_candidates(today=TODAY)


def test_it_never_replaces_for_the_patient_and_allows_one_self_service_deferral_per_bill(invoice):
    defer(invoice, days=10, self_service=True)
    with pytest.raises(InvalidTransition):
        defer(invoice, days=30, self_service=True, replace_arrangement=True)
    Deferral.objects.update(until=TODAY - timedelta(days=1))  # the first one ran out
    with pytest.raises(InvalidTransition):
        defer(invoice, days=30, self_service=True)
    assert Deferral.objects.count() == 1


def test_a_self_service_deferral_never_replaces_a_kept_plan_even_when_asked(invoice):
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    with pytest.raises(InvalidTransition):
        defer(invoice, days=30, self_service=True, replace_arrangement=True)
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert not Deferral.objects.exists()


# --- The portal --------------------------------------------------------------------------------------


def test_it_accepts_only_the_first_of_three_portal_deferrals_and_sends_the_others_to_billing(
    invoice, english_patient, client_for
):
    client = client_for(english_patient.user)
    url = reverse("portal:portal-cannot-pay-later", kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})
    pages = [
        page_text(
            client.post(
                url, {"until": (TODAY + timedelta(days=days)).isoformat(), "request_key": str(n) * 32}, follow=True
            )
        )
        for n, days in enumerate((10, 20, 30))
    ]

    assert list(Deferral.objects.values_list("until", flat=True)) == [TODAY + timedelta(days=10)]
    # One open call per reason per invoice: the third request is added to the call the second one opened.
    [call] = FollowUpCall.objects.all()
    assert call.reason == FollowUpCall.Reason.CALLBACK_REQUEST
    for days in (20, 30):
        assert (TODAY + timedelta(days=days)).isoformat() in call.request_note
    assert call.request_note.count("deferred before") == 2  # each note says why billing gets it
    assert "This bill has been deferred before, so we have asked our billing team" in pages[2]


def test_it_shows_the_deferral_on_the_portal_bill_page(invoice, english_patient, client_for):
    deferral = defer(invoice, days=20)
    page = page_text(client_for(english_patient.user).get(_bill_url(invoice)))
    assert f"Deferred until {en_date(deferral.until)}" in page
    assert "Overdue: was due" not in page


def test_it_shows_the_plans_next_instalment_on_the_portal_bill_page(invoice, english_patient, client_for):
    services.payment_plan_create(invoice_id=invoice.pk, instalments=4, first_due=TODAY + timedelta(days=5), by=None)
    page = page_text(client_for(english_patient.user).get(_bill_url(invoice)))
    with translation.override("en"):
        amount = money(Decimal("250.00"))
    assert f"On a payment plan: next instalment {amount} on {en_date(TODAY + timedelta(days=5))}." in page
    assert "Overdue: was due" not in page


def test_it_shows_the_original_due_date_without_an_arrangement(invoice, english_patient, client_for):
    page = page_text(client_for(english_patient.user).get(_bill_url(invoice)))
    assert f"Overdue: was due {en_date(invoice.due_date)}" in page
    assert 'id="bill-arrangement"' not in page


def _bill_url(invoice: Invoice) -> str:
    return reverse("portal:portal-bill", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk})


# --- Staff: the API and the forms --------------------------------------------------------------------


def _post_json(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def test_it_answers_409_with_the_reason_and_replaces_when_the_api_asks(invoice, billing, client_for):
    client = client_for(billing)
    deferral = defer(invoice)

    refused = _post_json(client, "/api/v1/payment-plans/", {"invoice": invoice.pk, "instalments": 2})
    assert refused.status_code == 409
    assert "choose to replace the deferral" in str(refused.json())
    assert not PaymentPlan.objects.exists()

    created = _post_json(
        client, "/api/v1/payment-plans/", {"invoice": invoice.pk, "instalments": 2, "replace_arrangement": True}
    )
    assert created.status_code == 201
    deferral.refresh_from_db()
    assert deferral.ended_at is not None


def test_it_refuses_and_replaces_a_plan_through_the_deferral_api(invoice, billing, client_for):
    client = client_for(billing)
    plan = services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=billing)
    url = f"/api/v1/invoices/{invoice.pk}/defer/"
    until = (TODAY + timedelta(days=30)).isoformat()

    assert _post_json(client, url, {"until": until}).status_code == 409
    response = _post_json(client, url, {"until": until, "replace_arrangement": True})
    assert response.status_code == 201
    assert response.json()["ended_at"] is None
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.CANCELLED


def test_it_offers_the_replace_checkbox_only_while_an_arrangement_runs(invoice, billing, client_for):
    client = client_for(billing)
    url = reverse("collections:invoice-deferral", args=[invoice.pk])
    assert "replace_arrangement" not in client.get(url).content.decode()

    services.payment_plan_create(invoice_id=invoice.pk, instalments=4, by=billing)
    page = page_text(client.get(url))
    assert 'name="replace_arrangement"' in page
    assert "Replace the current payment plan" in page
    with translation.override("en"):
        assert f"A payment plan of {money(Decimal('1000.00'))} is being kept" in page


def test_it_refuses_on_the_staff_form_until_the_checkbox_is_ticked(invoice, billing, client_for):
    client = client_for(billing)
    deferral = defer(invoice)
    url = reverse("collections:invoice-payment-plan", args=[invoice.pk])

    refused = client.post(url, {"instalments": "2"})
    assert refused.status_code == 200
    assert "choose to replace the deferral" in page_text(refused)
    assert "Replace the current deferral" in page_text(refused)
    assert not PaymentPlan.objects.exists()

    replaced = client.post(url, {"instalments": "2", "replace_arrangement": "on"})
    assert replaced.status_code == 302
    assert PaymentPlan.objects.get().status == PaymentPlan.Status.ACTIVE
    deferral.refresh_from_db()
    assert deferral.ended_by == billing
    assert "replaced on" in client.get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------------


def _postgresql_only(test):
    for mark in reversed(POSTGRESQL_ONLY):
        test = mark(test)
    return test


@_postgresql_only
def test_it_keeps_one_arrangement_when_a_plan_and_a_deferral_arrive_at_once(english_patient, billing):
    invoice = issued_invoice(english_patient, lines=LINES)

    results = run_together(
        [
            lambda: services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=billing),
            lambda: services.deferral_create(invoice_id=invoice.pk, until=TODAY + timedelta(days=20), by=billing),
            lambda: services.deferral_create(invoice_id=invoice.pk, until=TODAY + timedelta(days=40), by=billing),
        ]
    )

    assert sum(not isinstance(result, Exception) for result in results) == 1
    assert all(isinstance(result, InvalidTransition) for result in results if isinstance(result, Exception))
    running = PaymentPlan.objects.filter(status="active").count() + Deferral.objects.active(TODAY).count()
    assert running == 1
