"""Staff screens for invoices: the worklist, the invoice page, its PDF, payments, issuing and admin."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invoices import services
from invoices.models import Invoice, LedgerEntry
from invoices.templatetags.money import money
from patient_collections.models import Deferral, Reminder
from patient_collections.services import payment_plan_create
from patients.models import Patient
from tests.factories import PatientFactory, UserFactory, draft_invoice, issued_invoice, overdue_invoice


@pytest.fixture
def staff_client(billing, client_for) -> Client:
    return client_for(billing)


@pytest.fixture
def invoice(patient) -> Invoice:
    return issued_invoice(patient)


def payment_form(**overrides: str) -> dict[str, str]:
    form = {
        "amount": "71.00",
        "payer": "patient",
        "method": "bank_transfer",
        "reference": "Bank 42",
        "idempotency_key": str(uuid.uuid4()),
    }
    form.update(overrides)
    return form


def payments(invoice: Invoice) -> int:
    return LedgerEntry.objects.filter(invoice=invoice).exclude(kind=LedgerEntry.Kind.CHARGE).count()


def warm_content_types() -> None:
    """The audit log looks the content type up once per process; keep that out of the query counts."""
    ContentType.objects.get_for_models(Patient, Invoice)


# --- Worklist ---------------------------------------------------------------------------------------


def test_it_lists_overdue_accounts_with_days_overdue(staff_client, patient):
    invoice = overdue_invoice(patient, days=10)
    response = staff_client.get(reverse("frontdesk:home"))
    assert response.status_code == 200
    assert response.context["rows"] == [(invoice, 10)]


def test_it_leaves_paid_and_not_yet_due_invoices_off_the_worklist(staff_client, patient, billing):
    paid = overdue_invoice(patient, days=10)
    services.payment_record(invoice_id=paid.pk, amount="71.00", payer="patient", method="cash", by=billing)
    draft = draft_invoice(patient)
    services.invoice_issue(invoice_id=draft.pk, by=None, today=timezone.localdate())
    response = staff_client.get(reverse("frontdesk:home"))
    assert response.context["rows"] == []


def test_it_orders_the_worklist_oldest_due_first(staff_client, patient, other_patient):
    recent = overdue_invoice(patient, days=3)
    oldest = overdue_invoice(other_patient, days=30)
    response = staff_client.get(reverse("frontdesk:home"))
    assert [invoice for invoice, _days in response.context["rows"]] == [oldest, recent]


@pytest.mark.parametrize("rows", [1, 20])
def test_it_runs_a_fixed_number_of_queries_on_the_worklist(staff_client, manager, django_assert_num_queries, rows):
    from disputes import services as dispute_services
    from disputes.models import Complaint
    from patient_collections.models import FollowUpCall

    for _ in range(rows):
        patient = PatientFactory()
        invoice = overdue_invoice(patient, days=10)
        for category in ("billing_error", "invoice_question"):
            dispute_services.complaint_file(
                patient_id=patient.pk,
                invoice_id=invoice.pk,
                line_ids=[],
                channel="desk",
                category=category,
                description="Wrong",
                by=None,
            )
        dispute_services.complaint_close(
            complaint_id=Complaint.objects.get(invoice=invoice, category="invoice_question").pk,
            outcome="explained",
            prevention_note="Clearer",
            by=manager,
        )
    FollowUpCall.objects.update(due_at=timezone.now())
    Complaint.objects.update(meeting_due_at=timezone.now() - timedelta(hours=1))
    # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
    # 4 count of calls due today, 5 the first calls with patients, 6 the first complaints routed to the user's
    # roles, 7 the first meetings past their deadline, 8 count of overdue invoices (paginator),
    # 9 the ids of the page's invoices, 10 those invoices with their patients and collection state
    # +1: the two-factor device that verified this staff session (django-otp, mfa)
    # +1: the audit rows of the patients and invoices shown, in one insert
    with django_assert_num_queries(12):
        response = staff_client.get(reverse("frontdesk:home"))
    assert len(response.context["rows"]) == rows
    assert (response.context["calls_due_count"], len(response.context["complaints_mine"])) == (rows, min(rows, 5))
    assert len(response.context["complaints_late"]) == min(rows, 5)


# --- Invoice page -----------------------------------------------------------------------------------


def test_it_shows_lines_totals_and_reference(staff_client, invoice):
    page = staff_client.get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    assert "Consultation with a general practitioner" in page
    assert invoice.payment_reference in page
    assert money(Decimal("471.00")) in page  # total
    assert money(Decimal("400.00")) in page  # insurer's expected share
    assert "Waiting for insurer" in page


def test_it_shows_who_posted_each_entry_with_the_running_balance(staff_client, invoice, billing):
    services.payment_record(invoice_id=invoice.pk, amount="21.00", payer="patient", method="card", by=billing)
    page = staff_client.get(reverse("frontdesk:invoice-detail", args=[invoice.pk])).content.decode()
    assert "bjorn_billing" in page
    assert money(Decimal("450.00")) in page
    assert "Card" in page


def test_it_answers_404_for_an_unknown_invoice(staff_client, db):
    assert staff_client.get(reverse("frontdesk:invoice-detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["frontdesk:invoice-detail", "invoices:invoice-pdf", "frontdesk:invoice-payment"])
def test_it_refuses_a_patient_user(client_for, patient, invoice, name):
    response = client_for(patient.user).get(reverse(name, args=[invoice.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["frontdesk:invoice-detail", "invoices:invoice-pdf", "frontdesk:invoice-payment"])
def test_it_sends_anonymous_users_to_login(client, invoice, name):
    response = client.get(reverse(name, args=[invoice.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_logs_a_read_of_the_invoice(staff_client, invoice, billing):
    staff_client.get(reverse("frontdesk:invoice-detail", args=[invoice.pk]))
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(invoice.pk))
    assert entry.content_type.model_class() is Invoice
    assert entry.actor == billing


@pytest.mark.parametrize("entries", [1, 20])
def test_it_runs_a_fixed_number_of_queries_on_the_invoice(
    staff_client, patient, billing, django_assert_num_queries, entries
):
    for _ in range(entries):
        issued_invoice(patient)
    invoice = issued_invoice(patient)
    for number in range(1, entries + 1):
        services.payment_record(invoice_id=invoice.pk, amount="1.00", payer="patient", method="card", by=billing)
        Reminder.objects.create(invoice=invoice, step=number, notice_type="reminder", status="skipped")
        Deferral.objects.create(invoice=invoice, until=timezone.localdate() - timedelta(days=number))
    payment_plan_create(invoice_id=invoice.pk, instalments=2, by=billing)
    warm_content_types()
    # 1 session, 2 user, 3 the user's staff roles with the user's and the groups' permissions (one query),
    # 4 invoice with patient, 5 lines, 6 ledger entries with poster and what they reverse, 6b credit notes (none:
    # no lines read), 6c tiers payant on file (for the wording of the insurer's line),
    # 7 insert the audit ACCESS entry,
    # 8 the patient's balance and 9 their open complaint for the account header; collections: 10 reminders,
    # 11 payment plans with their creator, 12 their instalments, 13 deferrals with their creator, 14 the open
    # complaint on this invoice, 15 the case
    # +1: the two-factor device that verified this staff session (django-otp, mfa)
    with django_assert_num_queries(18):
        response = staff_client.get(reverse("frontdesk:invoice-detail", args=[invoice.pk]))
    assert len(response.context["entries"]) == entries + 1
    assert len(response.context["collections"].reminders) == entries


# --- PDF --------------------------------------------------------------------------------------------


def test_it_returns_the_pdf_inline(staff_client, invoice):
    response = staff_client.get(reverse("invoices:invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="invoice-{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_it_logs_a_read_of_the_pdf(staff_client, invoice):
    staff_client.get(reverse("invoices:invoice-pdf", args=[invoice.pk]))
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(invoice.pk)).count() == 1


# --- Payments ---------------------------------------------------------------------------------------


def test_it_renders_the_payment_form_with_a_fresh_idempotency_key(staff_client, invoice):
    page = staff_client.get(reverse("frontdesk:invoice-payment", args=[invoice.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page)
    assert key is not None


def test_it_records_a_payment(staff_client, invoice, billing):
    response = staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), payment_form(amount="50.00"))
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:invoice-detail", args=[invoice.pk])
    entry = LedgerEntry.objects.get(invoice=invoice, kind=LedgerEntry.Kind.PATIENT_PAYMENT)
    assert (entry.amount, entry.method, entry.reference, entry.posted_by) == (
        Decimal("-50.00"),
        "bank_transfer",
        "Bank 42",
        billing,
    )


def test_it_records_an_insurer_payment(staff_client, invoice):
    form = payment_form(amount="400.00", payer="insurer", method="insurer_remittance")
    staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), form)
    invoice.refresh_from_db()
    assert invoice.insurer_paid == Decimal("400.00")


def test_it_refuses_payments_to_a_provider(client_for, provider, invoice):
    response = client_for(provider).post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), payment_form())
    assert response.status_code == 403
    assert payments(invoice) == 0


@pytest.mark.parametrize("amount", ["-10.00", "10.005", "ten", "0"])
def test_it_shows_a_form_error_for_a_bad_amount(staff_client, invoice, amount):
    response = staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), payment_form(amount=amount))
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert payments(invoice) == 0


def test_it_keeps_the_users_input_after_an_error(staff_client, invoice):
    form = payment_form(amount="10.005", reference="Receipt 777")
    page = staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), form).content.decode()
    assert 'value="Receipt 777"' in page
    assert f'value="{form["idempotency_key"]}"' in page


def test_it_posts_a_replayed_form_once(staff_client, invoice):
    form = payment_form()
    staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), form)
    response = staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), form, follow=True)
    assert payments(invoice) == 1
    assert "already recorded" in response.content.decode()


def test_it_refuses_a_key_reused_for_another_amount_and_offers_a_new_one(staff_client, invoice):
    form = payment_form()
    staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), form)
    response = staff_client.post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), {**form, "amount": "5.00"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert response.context["form"].data["idempotency_key"] != form["idempotency_key"]
    assert payments(invoice) == 1


def test_it_shows_a_refusal_to_pay_a_draft_as_a_message(staff_client, patient):
    draft = draft_invoice(patient)
    response = staff_client.post(reverse("frontdesk:invoice-payment", args=[draft.pk]), payment_form())
    assert response.status_code == 200
    assert "only possible on an issued invoice" in response.content.decode()
    assert payments(draft) == 0


# --- Issue and insurance ----------------------------------------------------------------------------


def test_it_shows_a_drafts_totals_from_its_lines(staff_client, patient):
    lines = [
        ("GP1", "Consultation", "1", "400.00", "insurer"),
        ("LAB", "Blood test", "1", "162.00", "patient"),
        ("MAT", "Dressing materials", "2", "35.50", "patient"),
    ]
    draft = draft_invoice(patient, lines=lines)

    page = staff_client.get(reverse("frontdesk:invoice-detail", args=[draft.pk])).content.decode()
    totals = page.split('id="totals-title"', 1)[1].split("</section>", 1)[0]

    assert money(Decimal("633.00")) in totals  # total
    assert money(Decimal("400.00")) in totals  # insurer's expected share
    assert money(Decimal("233.00")) in totals  # patient's share
    draft.refresh_from_db()
    assert draft.total == Decimal("0.00"), "a draft books nothing until it is issued"


def test_it_issues_a_draft(staff_client, patient):
    draft = draft_invoice(patient)
    response = staff_client.post(reverse("invoices:invoice-issue", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.ISSUED
    assert f"Invoice {draft.number} issued" in response.content.decode()


def test_it_shows_issuing_twice_as_a_message(staff_client, invoice):
    response = staff_client.post(reverse("invoices:invoice-issue", args=[invoice.pk]), follow=True)
    assert response.status_code == 200
    assert "already issued" in response.content.decode()


def test_it_refuses_to_issue_without_permission(client_for, provider, patient):
    draft = draft_invoice(patient)
    response = client_for(provider).post(reverse("invoices:invoice-issue", args=[draft.pk]))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.is_draft


def test_it_issues_only_on_post(staff_client, patient):
    draft = draft_invoice(patient)
    assert staff_client.get(reverse("invoices:invoice-issue", args=[draft.pk])).status_code == 405


def test_it_answers_404_when_issuing_an_unknown_invoice(staff_client, db):
    assert staff_client.post(reverse("invoices:invoice-issue", args=[999999])).status_code == 404


def test_it_marks_insurance_settled(staff_client, invoice):
    staff_client.post(reverse("invoices:invoice-insurance-settled", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.insurance_status == "settled"


def test_it_refuses_to_settle_insurance_without_permission(client_for, front_desk, invoice):
    response = client_for(front_desk).post(reverse("invoices:invoice-insurance-settled", args=[invoice.pk]))
    assert response.status_code == 403


# --- Admin ------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_for_superuser(db, client_for) -> Client:
    return client_for(UserFactory(username="root", is_staff=True, is_superuser=True))


def test_it_shows_an_issued_invoice_read_only_in_admin(admin_client_for_superuser, invoice):
    response = admin_client_for_superuser.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_it_offers_no_way_to_add_or_delete_ledger_entries_in_admin(admin_client_for_superuser, invoice):
    entry = invoice.entries.get()
    assert admin_client_for_superuser.get(reverse("admin:invoices_ledgerentry_add")).status_code == 403
    delete_url = reverse("admin:invoices_ledgerentry_delete", args=[entry.pk])
    assert admin_client_for_superuser.post(delete_url, {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def admin_change_form(response, **changes: str) -> dict[str, object]:
    """The POST data of an admin change page as rendered, with `changes` applied to the first line."""
    data: dict[str, object] = {"patient": response.context["original"].patient_id, "service_date": "2026-11-03"}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
        for index, form in enumerate(formset.forms):
            for name in form.fields:
                data[f"{formset.prefix}-{index}-{name}"] = getattr(form.instance, name, "") if name != "DELETE" else ""
            data[f"{formset.prefix}-{index}-id"] = form.instance.pk
            data[f"{formset.prefix}-{index}-invoice"] = form.instance.invoice_id
    data.update({f"lines-0-{name}": value for name, value in changes.items()})
    return data


def test_it_prices_draft_lines_changed_in_admin_through_the_service(admin_client_for_superuser, patient):
    draft = draft_invoice(patient)
    url = reverse("admin:invoices_invoice_change", args=[draft.pk])
    form = admin_change_form(admin_client_for_superuser.get(url), quantity="2", unit_price="450.00")
    response = admin_client_for_superuser.post(url, form)
    assert response.status_code == 302
    assert draft.lines.get(code="GP1").amount == Decimal("900.00")
