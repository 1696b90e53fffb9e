"""The staff pages of credit and refunds, and the statement of account from the staff pages, the portal and the
API: who may do what, and what each page does."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from invoices import pdf, services
from invoices.models import CreditApplication, Invoice, RefundExportBatch, RefundRequest
from invoices.templatetags.money import money
from tests.factories import PatientFactory, UserFactory, at, invoice_with_credit, issue, pdf_text, squeezed

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
BANK = services.RefundPayee(method="bank_transfer", name="Kari Nordmann", account="86011117947")


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(at(TODAY), tick=False):
        yield


def _pending_refund(patient, by, amount="40.00"):
    invoice = invoice_with_credit(patient)
    return services.refund_request_create(invoice_id=invoice.pk, amount=amount, payee=BANK, by=by)


# --- Applying credit and asking for a refund -----------------------------------------------------------------


def test_it_offers_apply_and_refund_on_the_invoice_page_where_a_credit_shows(patient, billing, client_for):
    with_credit, owed = invoice_with_credit(patient), issue(patient)
    client = client_for(billing)

    page = client.get(reverse("frontdesk:invoice-detail", args=[with_credit.pk])).content.decode()
    owed_page = client.get(reverse("frontdesk:invoice-detail", args=[owed.pk])).content.decode()

    assert reverse("invoices:credit-apply", args=[with_credit.pk]) in page
    assert reverse("invoices:refund-request", args=[with_credit.pk]) in page
    assert 'id="credit-actions"' not in owed_page


def test_billing_applies_credit_to_another_open_invoice(patient, billing, client_for):
    source, target = invoice_with_credit(patient, "100.00"), issue(patient)

    response = client_for(billing).post(
        reverse("invoices:credit-apply", args=[source.pk]), {"target": target.pk, "amount": "75.00"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:invoice-detail", args=[target.pk])
    target.refresh_from_db()
    assert str(target.patient_due) == "425.00"
    assert CreditApplication.objects.get().applied_by == billing


def test_the_apply_form_says_why_the_service_refuses(patient, billing, client_for):
    source, target = invoice_with_credit(patient, "100.00"), issue(patient)

    response = client_for(billing).post(
        reverse("invoices:credit-apply", args=[source.pk]), {"target": target.pk, "amount": "150.00"}
    )

    assert response.status_code == 200
    assert "At most" in response.content.decode()
    assert not CreditApplication.objects.exists()


def test_it_offers_only_the_same_patients_open_invoices(patient, other_patient, billing, client_for):
    source, mine, theirs = invoice_with_credit(patient), issue(patient), issue(other_patient)

    page = client_for(billing).get(reverse("invoices:credit-apply", args=[source.pk])).content.decode()

    assert f'value="{mine.pk}"' in page
    assert f'value="{theirs.pk}"' not in page
    response = client_for(billing).post(
        reverse("invoices:credit-apply", args=[source.pk]), {"target": theirs.pk, "amount": "10.00"}
    )
    assert response.status_code == 200 and not CreditApplication.objects.exists()


def test_billing_asks_for_a_refund_to_a_bank_account(patient, billing, manager, client_for):
    invoice = invoice_with_credit(patient, "100.00")
    data = {"amount": "100", "method": "bank_transfer", "payee_name": "Kari Nordmann", "payee_account": "8601 11 17947"}

    response = client_for(billing).post(reverse("invoices:refund-request", args=[invoice.pk]), data)

    assert response.status_code == 302
    refund = RefundRequest.objects.get()
    assert (refund.payee_account, refund.requested_by, refund.status) == ("NO9386011117947", billing, "pending")


def test_the_refund_form_shows_a_bad_account_number_on_its_field(patient, billing, manager, client_for):
    invoice = invoice_with_credit(patient)
    data = {"amount": "10", "method": "bank_transfer", "payee_name": "Kari Nordmann", "payee_account": "86011117948"}

    response = client_for(billing).post(reverse("invoices:refund-request", args=[invoice.pk]), data)

    assert response.status_code == 200
    assert 'id="id_payee_account_error"' in response.content.decode()
    assert not RefundRequest.objects.exists()


@pytest.mark.parametrize("name", ["invoices:credit-apply", "invoices:refund-request"])
def test_the_front_desk_neither_applies_nor_refunds_credit(patient, front_desk, client_for, name):
    invoice = invoice_with_credit(patient)
    assert client_for(front_desk).get(reverse(name, args=[invoice.pk])).status_code == 403


# --- Approval ---------------------------------------------------------------------------------------------------


def test_the_office_manager_approves_a_refund_on_the_refunds_page(patient, billing, manager, client_for):
    refund = _pending_refund(patient, billing)
    client = client_for(manager)

    page = client.get(reverse("invoices:refund-list")).content.decode()
    response = client.post(reverse("invoices:refund-approve", args=[refund.pk]), {"note": ""})

    assert reverse("invoices:refund-approve", args=[refund.pk]) in page
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.decided_by) == ("approved", manager)


def test_the_requester_sees_why_they_cannot_decide_their_own_refund(patient, manager, client_for):
    UserFactory(username="second_manager", roles=["office_manager"])
    refund = _pending_refund(patient, manager)
    client = client_for(manager)

    page = client.get(reverse("invoices:refund-list")).content.decode()
    client.post(reverse("invoices:refund-approve", args=[refund.pk]))

    assert "Nobody approves their own refund" in page
    assert reverse("invoices:refund-approve", args=[refund.pk]) not in page
    refund.refresh_from_db()
    assert refund.status == "pending"


@pytest.mark.parametrize("action", ["invoices:refund-approve", "invoices:refund-reject"])
def test_the_front_desk_cannot_decide_a_refund(patient, billing, manager, front_desk, client_for, action):
    refund = _pending_refund(patient, billing)
    client = client_for(front_desk)

    assert client.get(reverse("invoices:refund-list")).status_code == 403
    assert client.post(reverse(action, args=[refund.pk]), {"note": "no"}).status_code == 403
    refund.refresh_from_db()
    assert refund.status == "pending"


def test_a_rejection_without_a_reason_is_refused_with_a_message(patient, billing, manager, client_for):
    refund = _pending_refund(patient, billing)

    response = client_for(manager).post(reverse("invoices:refund-reject", args=[refund.pk]), {"note": ""}, follow=True)

    assert "Say why the refund is rejected." in response.content.decode()
    refund.refresh_from_db()
    assert refund.status == "pending"


def test_the_deputy_decides_the_sole_office_managers_refund_from_the_refunds_page(
    patient, manager, provider, client_for
):
    refund = _pending_refund(patient, manager)
    client = client_for(provider)

    page = client.get(reverse("invoices:refund-list"))
    response = client.post(reverse("invoices:refund-approve", args=[refund.pk]))

    assert page.status_code == 200
    assert reverse("invoices:refund-approve", args=[refund.pk]) in page.content.decode()
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.decided_by) == ("approved", provider)


def test_the_deputy_is_kept_out_while_another_office_manager_decides(patient, billing, manager, provider, client_for):
    _pending_refund(patient, billing)
    assert client_for(provider).get(reverse("invoices:refund-list")).status_code == 403


def test_the_refunds_page_costs_the_same_queries_for_one_refund_or_five(patient, billing, manager, client_for):
    client = client_for(manager)
    _pending_refund(patient, billing)
    client.get(reverse("invoices:refund-list"))  # warm the per-process caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("invoices:refund-list"))
    for _ in range(4):
        _pending_refund(PatientFactory(), billing)
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("invoices:refund-list"))
    assert len(five) == len(one)


# --- The bank file -----------------------------------------------------------------------------------------------


def test_billing_makes_the_bank_file_and_downloads_it_again(patient, billing, manager, client_for):
    refund = services.refund_approve(refund_id=_pending_refund(patient, billing).pk, by=manager)
    client = client_for(billing)

    response = client.post(reverse("invoices:refund-export"), follow=True)
    batch = RefundExportBatch.objects.get()
    download = client.get(reverse("invoices:refund-batch-file", args=[batch.pk]))

    assert batch.filename in response.content.decode()
    assert download.status_code == 200
    assert download["Content-Type"] == "application/xml"
    assert "attachment" in download["Content-Disposition"] and batch.filename in download["Content-Disposition"]
    assert download.content == batch.xml.encode()
    assert refund.end_to_end_id.encode() in download.content
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=billing, object_pk=str(refund.invoice_id))


def test_the_front_desk_neither_exports_nor_downloads(patient, billing, manager, front_desk, client_for):
    services.refund_approve(refund_id=_pending_refund(patient, billing).pk, by=manager)
    batch = services.refunds_export(by=billing)
    client = client_for(front_desk)

    assert client.post(reverse("invoices:refund-export")).status_code == 403
    assert client.get(reverse("invoices:refund-batch-file", args=[batch.pk])).status_code == 403


# --- The statement of account ---------------------------------------------------------------------------------


def test_the_account_page_links_the_statement_and_staff_get_the_pdf(patient, front_desk, client_for):
    issue(patient)
    client = client_for(front_desk)

    page = client.get(reverse("frontdesk:patient-detail", args=[patient.pk])).content.decode()
    response = client.get(reverse("invoices:patient-statement", args=[patient.pk]))

    assert reverse("invoices:patient-statement", args=[patient.pk]) in page
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_staff_statement_refuses_a_period_with_a_message(patient, billing, client_for):
    url = reverse("invoices:patient-statement", args=[patient.pk])
    response = client_for(billing).get(url, {"from": "2026-03-01", "to": "2026-01-01"}, follow=True)
    assert "must not be after its end date" in response.content.decode()


def test_the_patient_downloads_their_own_statement_from_the_bills_page(patient, client_for):
    issue(patient)
    client = client_for(patient.user)

    page = client.get(reverse("portal:portal-bills", args=[patient.pk])).content.decode()
    response = client.get(reverse("portal:portal-statement", args=[patient.pk]))

    assert reverse("portal:portal-statement", args=[patient.pk]) in page
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=patient.user, object_pk=str(patient.pk), content_type__model="patient"
    ).exists()


def test_a_patient_never_gets_another_patients_statement(patient, other_patient, client_for):
    response = client_for(patient.user).get(reverse("portal:portal-statement", args=[other_patient.pk]))
    assert response.status_code == 404


def test_an_authorised_proxy_gets_the_statement(patient, proxy, client_for):
    response = client_for(proxy.user).get(reverse("portal:portal-statement", args=[patient.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_api_serves_the_statement_as_a_pdf(patient, provider, client_for):
    invoice_with_credit(patient)

    response = client_for(provider).get(
        f"/api/v1/patients/{patient.pk}/statement/?from=2026-01-01&to=2026-03-01", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("query", "field"), [("from=yesterday", "from"), ("from=2026-03-01&to=2026-02-01", "from"), ("to=2027-01-01", "to")]
)
def test_the_api_refuses_a_period_it_cannot_state_with_json(patient, billing, client_for, query, field):
    response = client_for(billing).get(f"/api/v1/patients/{patient.pk}/statement/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


def test_the_api_answers_404_for_an_unknown_patient(billing, client_for):
    response = client_for(billing).get("/api/v1/patients/999999/statement/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_bill_and_its_pdf_count_credit_moved_in_as_paid(patient, billing, client_for):
    source, target = invoice_with_credit(patient, "100.00"), issue(patient)
    services.credit_apply(source_id=source.pk, target_id=target.pk, amount="80.00", by=billing)
    patient.language = "en"
    patient.save()

    bill = client_for(patient.user).get(reverse("portal:portal-bill", args=[patient.pk, target.pk])).context
    text = squeezed(pdf_text(pdf.invoice_pdf_bytes(Invoice.objects.get(pk=source.pk))))

    paid = next(row for row in bill["shares"].rows if row.kind == "paid_by_patient")
    assert (paid.amount, bill["due"]) == (Decimal("-80.00"), Decimal("420.00"))
    with translation.override("en"):
        assert squeezed(f"Already paid by you−{money(Decimal('520.00'))}") in text
        assert squeezed(f"Credit in your favour{money(Decimal('20.00'))}") in text
