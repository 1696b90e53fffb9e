"""Your bills in the portal: the list, one bill, its PDF, audit of every read, query counts, quick-pay links."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from invoices import services
from invoices.models import Coverage, InsuranceStatus, Invoice
from invoices.templatetags.money import local_date, money
from patients.models import Coverage as PatientCoverage
from patients.models import Patient
from portal.quick_pay import quick_pay_token, quick_pay_url
from portal.views.bills import BillState
from tests.factories import catalogue_service, draft_invoice, issued_invoice

pytestmark = pytest.mark.django_db


def en(amount: str) -> str:
    with translation.override("en"):
        return money(Decimal(amount))


def en_date(day: date | None) -> str:
    with translation.override("en"):
        return local_date(day)


@pytest.fixture
def english_patient(patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(language="en")
    patient.refresh_from_db()
    return patient


@pytest.fixture
def patient_client(english_patient, client_for):
    return client_for(english_patient.user)


def bills_url(patient: Patient) -> str:
    return reverse("portal:portal-bills", kwargs={"patient_id": patient.pk})


def bill_url(invoice: Invoice) -> str:
    return reverse("portal:portal-bill", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk})


def issued_on(patient: Patient, today: date, **kwargs: object) -> Invoice:
    draft = draft_invoice(patient, **kwargs)  # type: ignore[arg-type]
    return services.invoice_issue(invoice_id=draft.pk, by=None, today=today)


# The patient's own lines, 71.00 in all, and no insurance claim: a pending claim holds collection, and the bill
# then says so instead of its due date (tests/portal/test_bill_holds.py).
OWN_LINES = [
    ("GP1", "Consultation with a general practitioner", "1", "35.50", Coverage.PATIENT),
    ("MAT", "Dressing materials", "1", "35.50", Coverage.PATIENT),
]


def warm_content_types() -> None:
    """The audit log looks the content type up once per process; keep that out of the query counts."""
    ContentType.objects.get_for_models(Patient, Invoice)


# --- The list -----------------------------------------------------------------------------------------


def test_it_lists_a_bill_with_date_what_it_was_for_status_and_amount(patient_client, english_patient):
    invoice = issued_on(english_patient, timezone.localdate(), lines=OWN_LINES)
    response = patient_client.get(bills_url(english_patient))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Consultation with a general practitioner and 1 more" in html
    assert f"Visit on {en_date(date(2026, 11, 2))}" in html
    assert f"To pay by {en_date(invoice.due_date)}" in html
    assert en("71.00") in html
    assert "1 bill to pay" in html


def test_it_puts_unpaid_bills_first_and_words_each_status(patient_client, english_patient, billing):
    today = timezone.localdate()
    paid = issued_on(
        english_patient,
        today,
        service_date=date(2026, 11, 20),
        lines=[("MAT", "Dressing materials", "2", "35.50", Coverage.PATIENT)],
    )
    services.payment_record(invoice_id=paid.pk, amount="71.00", payer="patient", method="card", by=billing)
    unpaid = issued_on(english_patient, today, service_date=date(2026, 10, 1), lines=OWN_LINES)
    waiting = issued_on(
        english_patient,
        today,
        service_date=date(2026, 11, 10),
        lines=[("GP1", "Consultation", "1", "400.00", Coverage.INSURER)],
        insurance_status=InsuranceStatus.PENDING,
    )
    credit = issued_on(english_patient, today, service_date=date(2026, 11, 15))
    services.payment_record(invoice_id=credit.pk, amount="100.00", payer="patient", method="card", by=billing)

    response = patient_client.get(bills_url(english_patient))
    bills = response.context["bills"]
    assert [bill.invoice.pk for bill in bills] == [unpaid.pk, waiting.pk, paid.pk, credit.pk]
    assert [bill.state for bill in bills] == [
        BillState.TO_PAY,
        BillState.WAITING_FOR_INSURER,
        BillState.PAID,
        BillState.CREDIT,
    ]
    html = response.content.decode()
    for words in ("Waiting for your insurer", "Paid", "Credit in your favour", en("29.00")):
        assert words in html


def test_it_words_a_bill_past_its_due_date_as_overdue(patient_client, english_patient):
    issued_on(english_patient, timezone.localdate() - timedelta(days=60), lines=OWN_LINES)
    response = patient_client.get(bills_url(english_patient))
    assert response.context["bills"][0].state == BillState.OVERDUE
    assert "Overdue: was due" in response.content.decode()


def test_it_never_shows_a_draft(patient_client, english_patient):
    draft = draft_invoice(english_patient)
    response = patient_client.get(bills_url(english_patient))
    assert response.context["bills"] == []
    assert "There are no bills yet" in response.content.decode()
    assert patient_client.get(bill_url(draft)).status_code == 404


@pytest.mark.parametrize("bill_count", [1, 10])
def test_it_lists_bills_with_a_fixed_number_of_queries(
    patient_client, english_patient, django_assert_num_queries, bill_count
):
    for _ in range(bill_count):
        issued_invoice(english_patient)
    warm_content_types()
    # 1. session, 2. user, 3. the user's staff roles, 4. the user's patient (language), 5. the patient the
    # user may see, 6. the audit log entry, 7. the bills with their first line and line count (the idle
    # clock is written at most once a minute, so no session save: clinic_billing/session_security.py)
    with django_assert_num_queries(7):
        response = patient_client.get(bills_url(english_patient))
    assert len(response.context["bills"]) == bill_count


# --- One bill -----------------------------------------------------------------------------------------


def test_it_shows_every_line_with_quantity_price_and_who_pays(patient_client, english_patient):
    invoice = issued_invoice(english_patient)
    response = patient_client.get(bill_url(invoice))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Consultation with a general practitioner" in html
    assert f"2 × {en('35.50')}" in html
    assert "Your insurer pays this." in html
    assert "You pay this." in html
    assert "Expected from your insurer" in html
    assert response.context["due"] == Decimal("71.00")
    assert response.context["shares"].rows[0].amount == Decimal("471.00")


def test_it_explains_why_a_line_is_still_yours_under_an_exemption_card(patient_client, english_patient):
    PatientCoverage.objects.create(
        patient=english_patient, kind="exemption_card", payer_name="Helfo", valid_from=date(2026, 1, 1)
    )
    catalogue_service("DRESSING", "Dressing materials", "35.50", kind="material", exemption_card_applies=False)
    invoice = issued_invoice(
        english_patient,
        lines=[
            ("GP1", "Consultation", "1", "400.00", Coverage.EXEMPTION_CARD),
            ("DRESSING", "Dressing materials", "1", "35.50", Coverage.PATIENT),
            ("LETTER", "Letter to your employer", "1", "150.00", Coverage.PATIENT),
        ],
    )
    html = patient_client.get(bill_url(invoice)).content.decode()
    assert "Covered by your exemption card (frikort)." in html
    assert "The exemption card (frikort) never covers this kind of service." in html
    assert "Your exemption card (frikort) does not cover this line." in html
    assert "Materials, certificates, copies of your records and fees for missed appointments" in html


def test_it_leaves_the_exemption_card_out_for_a_patient_without_one(patient_client, english_patient):
    html = patient_client.get(bill_url(issued_invoice(english_patient))).content.decode()
    assert "exemption-card-explanation" not in html


def test_it_gives_how_to_pay_with_copy_ready_reference_account_and_amount(patient_client, english_patient, settings):
    invoice = issued_invoice(english_patient)
    html = patient_client.get(bill_url(invoice)).content.decode()
    assert f'<span class="pay-value" id="payment-reference">{invoice.payment_reference}</span>' in html
    assert f'data-copy="{invoice.payment_reference}"' in html
    assert f'data-copy="{settings.CLINIC["bank_account"]}"' in html
    assert 'data-copy="71.00"' in html
    assert "What happens next" in html


def test_it_shows_no_payment_box_once_the_bill_is_paid(patient_client, english_patient, billing):
    invoice = issued_invoice(english_patient)
    services.payment_record(invoice_id=invoice.pk, amount="71.00", payer="patient", method="card", by=billing)
    response = patient_client.get(bill_url(invoice))
    assert response.context["can_pay"] is False
    assert "how-to-pay" not in response.content.decode()


def test_it_lists_payments_and_refunds_without_internal_notes(patient_client, english_patient, billing):
    invoice = issued_invoice(english_patient)
    services.payment_record(
        invoice_id=invoice.pk, amount="100.00", payer="patient", method="card", reference="INTERNAL-REF", by=billing
    )
    services.credit_refund(invoice_id=invoice.pk, amount="29.00", method="bank_transfer", by=billing)
    response = patient_client.get(bill_url(invoice))
    history = response.context["history"]
    assert [(row.kind, row.amount) for row in history] == [
        ("payment", Decimal("100.00")),
        ("refund", Decimal("29.00")),
    ]
    html = response.content.decode()
    assert "Payment received" in html
    assert "Paid back to you" in html
    assert "INTERNAL-REF" not in html
    assert billing.username not in html


def test_it_links_to_the_dispute_and_cannot_pay_pages_only_when_they_exist(patient_client, english_patient):
    invoice = issued_invoice(english_patient)
    response = patient_client.get(bill_url(invoice))
    assert response.status_code == 200
    html = response.content.decode()
    for name, words in (("portal:portal-dispute", "Tell us"), ("portal:portal-cannot-pay", "payment plan")):
        try:
            url = reverse(name, kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})
        except NoReverseMatch:
            assert words not in html  # the other area's page is not wired yet: no link, and no error
        else:
            assert url in html
            assert words in html


@pytest.mark.parametrize("line_count", [1, 20])
def test_it_shows_a_bill_with_a_fixed_number_of_queries(
    patient_client, english_patient, django_assert_num_queries, line_count
):
    lines = [(f"X{n}", f"Service {n}", "1", "10.00", Coverage.PATIENT) for n in range(line_count)]
    invoice = issued_invoice(english_patient, lines=lines)
    warm_content_types()
    # 1. session, 2. user, 3. staff roles, 4. the user's patient, 5. the patient the user may see, 6. the
    # invoice, 7. the audit log entry, 8. the lines, 9. the ledger entries with what they reverse, 10. an
    # exemption card on file, 11. the bill's collection state, with its holds and the arrangement in force
    # (collection_state: one query where the plan and the deferral took two before), 12. the bill's credit notes
    # (no session save: the idle clock is written at most once a minute)
    with django_assert_num_queries(12):
        response = patient_client.get(bill_url(invoice))
    assert len(response.context["bill_lines"]) == line_count


def test_it_sends_the_pdf_of_the_bill(patient_client, english_patient):
    invoice = issued_invoice(english_patient)
    url = reverse("portal:portal-bill-pdf", kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})
    response = patient_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"bill-{invoice.number}.pdf" in response["Content-Disposition"]


# --- Audit --------------------------------------------------------------------------------------------


def access_entries(instance: object) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(instance).filter(action=LogEntry.Action.ACCESS))


def test_it_audits_reading_the_list_the_bill_and_the_pdf(patient_client, english_patient):
    invoice = issued_invoice(english_patient)
    patient_client.get(bills_url(english_patient))
    patient_client.get(bill_url(invoice))
    patient_client.get(
        reverse("portal:portal-bill-pdf", kwargs={"patient_id": english_patient.pk, "invoice_id": invoice.pk})
    )
    assert [entry.actor for entry in access_entries(english_patient)] == [english_patient.user]
    assert [entry.actor for entry in access_entries(invoice)] == [english_patient.user] * 2


def test_it_audits_a_proxys_reads_under_the_proxys_own_account(proxy, client_for):
    invoice = issued_invoice(proxy.patient)
    client = client_for(proxy.user)
    assert client.get(bills_url(proxy.patient)).status_code == 200
    assert client.get(bill_url(invoice)).status_code == 200
    assert [entry.actor for entry in access_entries(proxy.patient)] == [proxy.user]
    assert [entry.actor for entry in access_entries(invoice)] == [proxy.user]


def test_it_tells_a_proxy_whose_bills_they_see(proxy, client_for):
    html = client_for(proxy.user).get(bills_url(proxy.patient)).content.decode()
    assert "You are acting for Kari Nordmann" in html
    assert "Bills for Kari Nordmann" in html


# --- Quick-pay links ----------------------------------------------------------------------------------


def test_it_opens_one_bill_from_its_quick_pay_link_without_an_account(client, english_patient, settings):
    invoice = issued_invoice(english_patient)
    other = issued_invoice(english_patient, lines=[("XRAY", "X-ray of the left knee", "1", "900.00", "patient")])
    url = quick_pay_url(invoice)
    assert url.startswith(settings.SITE_URL + "/portal/pay/")
    response = client.get(url.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    html = response.content.decode()
    assert invoice.payment_reference in html
    assert "Dressing materials" in html
    assert english_patient.name in html
    assert other.payment_reference not in html
    assert "X-ray of the left knee" not in html
    assert reverse("portal:portal-bills", kwargs={"patient_id": english_patient.pk}) not in html
    assert english_patient.email not in html
    assert [entry.actor for entry in access_entries(invoice)] == [None]


def test_it_sends_the_pdf_from_a_quick_pay_link(client, english_patient):
    invoice = issued_invoice(english_patient)
    response = client.get(reverse("portal:portal-quick-pay-pdf", kwargs={"token": quick_pay_token(invoice)}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_it_speaks_the_bills_language_on_a_quick_pay_link(client, other_patient):
    invoice = issued_invoice(other_patient)  # Ivan reads Russian
    response = client.get(reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(invoice)}))
    assert '<html lang="ru">' in response.content.decode()


def test_it_refuses_a_tampered_quick_pay_link_with_a_friendly_page(client, english_patient):
    invoice = issued_invoice(english_patient)
    other = issued_invoice(english_patient)
    token = quick_pay_token(invoice)
    forged = str(other.pk) + token[token.index(":") :]
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        response = client.get(reverse("portal:portal-quick-pay", kwargs={"token": bad}))
        assert response.status_code == 404
        html = response.content.decode()
        assert "This bill link does not work any more" in html
        assert "newest bill" in html
        assert "Dressing materials" not in html
        pdf = client.get(reverse("portal:portal-quick-pay-pdf", kwargs={"token": bad}))
        assert pdf.status_code == 404


def test_it_refuses_an_expired_quick_pay_link(client, english_patient, settings, monkeypatch):
    invoice = issued_invoice(english_patient)
    token = quick_pay_token(invoice)
    url = reverse("portal:portal-quick-pay", kwargs={"token": token})
    assert client.get(url).status_code == 200
    later = timezone.now().timestamp() + (settings.QUICK_PAY_LINK_DAYS + 1) * 86400
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.get(url)
    assert response.status_code == 404
    assert "This bill link does not work any more" in response.content.decode()


def test_it_never_opens_a_draft_from_a_quick_pay_link(client, english_patient):
    draft = draft_invoice(english_patient)
    assert client.get(reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(draft)})).status_code == 404


def test_it_prints_the_quick_pay_link_on_the_invoice_pdf(english_patient, settings):
    from invoices.pdf import invoice_html

    invoice = issued_invoice(english_patient)
    html = invoice_html(invoice)
    assert "Pay or see this bill online:" in html
    assert settings.SITE_URL + "/portal/pay/" + str(invoice.pk) + ":" in html
