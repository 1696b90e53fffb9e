"""Data protection: the art. 15 export and the anonymisation of settled patients past retention."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from compliance.anonymisation import patients_anonymise
from compliance.data_protection import REMOVED
from compliance.patient_export import patient_data_export
from disputes.models import Complaint
from disputes.services import complaint_close, complaint_file
from invoices import services as invoice_services
from invoices.models import Coverage as LineCoverage
from invoices.models import Invoice, InvoiceLine, LedgerEntry
from patient_collections.models import (
    CollectionCase,
    FollowUpCall,
    NoticeType,
    PaymentPlan,
    PortalMessage,
    Reminder,
)
from patient_collections.services import deferral_create, follow_up_call_record_outcome, payment_plan_create
from patients.models import AuthorisedProxy, Coverage, Patient
from portal.models import PortalInvitation
from tests.factories import PatientFactory, ProxyFactory, UserFactory, draft_invoice, issued_invoice

TODAY = date(2026, 11, 26)
LONG_AGO = datetime(2014, 3, 3, 10, 0, tzinfo=UTC)
TOKEN_HASH = "f" * 64
PATIENT_LINES = [
    ("GP1", "Consultation with a general practitioner", "1", "400.00", LineCoverage.PATIENT),
    ("MAT", "Dressing materials", "2", "35.50", LineCoverage.PATIENT),
]


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    """Everything created inside happened at `at` (auto_now_add, ledger postings, complaint deadlines)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def pay_in_full(invoice: Invoice) -> None:
    invoice.refresh_from_db()
    invoice_services.payment_record(
        invoice_id=invoice.pk, amount=invoice.patient_due, payer="patient", method="card", by=None
    )


def complain(invoice: Invoice, proxy: AuthorisedProxy | None = None) -> Complaint:
    return complaint_file(
        patient_id=invoice.patient_id,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="phone",
        category="invoice_question",
        description="Åse says she never had the dressing changed.",
        proxy_id=proxy.pk if proxy else None,
        by=None,
    )


def full_history_patient(name: str = "Åse Ødegård", at: datetime = LONG_AGO) -> Patient:
    """A patient with one of every kind of record, all of it created at `at` and settled since."""
    with clock(at):
        day = timezone.localdate()
        patient = PatientFactory(
            name=name,
            date_of_birth=date(1961, 7, 14),
            address_line="Kirkeveien 7",
            postal_code="0155",
            city="Oslo",
            municipality="Oslo",
            user=UserFactory(username=f"portal-{name.split()[0].lower()}", email="ase@example.org"),
        )
        Coverage.objects.create(
            patient=patient, kind="insurer", payer_name="Gjensidige", member_number="GJ-778899", valid_from=day
        )
        proxy = ProxyFactory(patient=patient, name="Ola Ødegård", valid_from=day - timedelta(days=30))
        invoice = issued_invoice(patient, lines=PATIENT_LINES, service_date=day, issued=day)
        complaint = complain(invoice, proxy=proxy)
        plan = payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
        # One arrangement at a time: the deferral replaces the plan, and both stay in the patient's record.
        deferral_create(
            invoice_id=invoice.pk,
            until=day + timedelta(days=20),
            reason="Waiting for her pension",
            replace_arrangement=True,
            by=None,
        )
        reminder = Reminder.objects.create(
            invoice=invoice, step=1, notice_type=NoticeType.REMINDER, channel="portal", status="sent", sent_at=at
        )
        PortalMessage.objects.create(
            patient=patient, subject="Reminder", body="Dear Åse Ødegård, please pay.", reminder=reminder
        )
        PortalInvitation.objects.create(
            patient=patient, email="ase@example.org", token_hash=TOKEN_HASH, expires_at=at + timedelta(days=7)
        )
        pay_in_full(invoice)
        plan.status = PaymentPlan.Status.COMPLETED
        plan.save(update_fields=["status"])
        complaint_close(
            complaint_id=complaint.pk,
            outcome="explained",
            prevention_note="Show Åse the dressing line at the desk.",
            resolution_note="Called Åse Ødegård and explained.",
            resolution_text="Dear Åse Ødegård, we explained the dressing line.",
            by=None,
        )
        call = FollowUpCall.objects.get(complaint=complaint)
        follow_up_call_record_outcome(call_id=call.pk, outcome="satisfied", note="Åse was happy", by=None)
        CollectionCase.objects.create(invoice=invoice, status=CollectionCase.Status.WITHDRAWN, amount="471.00")
    return patient


def money_snapshot() -> list[tuple[object, ...]]:
    invoices = Invoice.objects.order_by("pk").values_list(
        "pk", "number", "total", "balance", "insurer_paid", "third_party_share", "patient_id"
    )
    lines = InvoiceLine.objects.order_by("pk").values_list("pk", "description", "amount")
    entries = LedgerEntry.objects.order_by("pk").values_list("pk", "kind", "amount", "balance_after", "note")
    return [*invoices, *lines, *entries]


@pytest.mark.django_db
def test_it_exports_every_kind_of_record():
    patient = full_history_patient()

    export = patient_data_export(patient_id=patient.pk)

    assert export["patient"]["name"] == "Åse Ødegård"
    assert export["patient"]["date_of_birth"] == "1961-07-14"
    assert export["contact_preferences"]["language"] == "nb"
    assert export["portal_account"]["username"] == "portal-åse"
    assert export["coverages"][0]["member_number"] == "GJ-778899"
    assert export["proxies"][0]["name"] == "Ola Ødegård"
    [invoice] = export["invoices"]
    assert invoice["total"] == "471.00"
    assert [line["code"] for line in invoice["lines"]] == ["GP1", "MAT"]
    assert [entry["kind"] for entry in invoice["ledger_entries"]] == ["charge", "patient_payment"]
    assert invoice["ledger_entries"][1]["amount"] == "-471.00"
    assert invoice["reminders"][0]["step"] == 1
    assert [i["amount"] for i in invoice["payment_plans"][0]["instalments"]] == ["235.50", "235.50"]
    # The status histories: the plan the deferral replaced; none yet for the notice and the instalments.
    changes = invoice["payment_plans"][0]["status_changes"]
    assert [(c["from_status"], c["to_status"], c["reason"]) for c in changes] == [("active", "cancelled", "replaced")]
    assert invoice["payment_plans"][0]["instalment_status_changes"] == []
    assert invoice["reminder_status_changes"] == []
    assert invoice["deferrals"][0]["reason"] == "Waiting for her pension"
    assert invoice["collection_cases"][0]["status"] == "withdrawn"
    [complaint] = export["complaints"]
    assert complaint["description"].startswith("Åse says")
    assert complaint["decision"]["rule_names"]
    assert complaint["adjustment_requests"] == []
    assert [c["to_status"] for c in complaint["status_changes"]] == ["closed"]
    assert complaint["received_at"] == "2014-03-03T10:00:00+00:00"
    assert export["follow_up_calls"][0]["outcome"] == "satisfied"
    assert export["portal_messages"][0]["body"] == "Dear Åse Ødegård, please pay."
    assert export["portal_invitations"][0]["email"] == "ase@example.org"
    audited = {(row["object_type"], row["action"]) for row in export["audit_log"]}
    assert {("patients.patient", "create"), ("invoices.invoice", "update"), ("disputes.complaint", "update")} <= (
        audited
    )
    text = json.dumps(export)
    assert TOKEN_HASH not in text
    assert "token_hash" not in text
    assert User.objects.get(username="portal-åse").password not in text
    assert '"password"' not in text


@pytest.mark.django_db
def test_it_audits_the_export_as_an_access(manager):
    patient = PatientFactory()

    call_command("export_patient_data", str(patient.pk), "--actor", manager.username, stdout=StringIO())

    entry = LogEntry.objects.get_for_object(patient).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == manager


@pytest.mark.django_db
def test_it_writes_the_export_as_indented_utf8_json(tmp_path):
    patient = PatientFactory(name="Åse Ødegård")
    target = tmp_path / "export.json"
    out = StringIO()

    call_command("export_patient_data", str(patient.pk), "--output", str(target), stdout=out)

    raw = target.read_bytes().decode("utf-8")
    assert '  "patient": {' in raw
    assert json.loads(raw)["patient"]["name"] == "Åse Ødegård"
    assert "Åse" not in out.getvalue()


@pytest.mark.django_db
def test_it_refuses_an_actor_who_is_not_an_office_manager(billing):
    patient = PatientFactory()

    with pytest.raises(CommandError):
        call_command("export_patient_data", str(patient.pk), "--actor", billing.username, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("anonymise_patients", "--actor", billing.username, stdout=StringIO())


@pytest.mark.django_db
def test_it_anonymises_a_settled_patient_past_retention():
    patient = full_history_patient()
    user_id = patient.user_id

    assert patients_anonymise(older_than_years=10, today=TODAY, dry_run=False) == [patient.pk]

    patient.refresh_from_db()
    assert patient.name == f"Anonymised patient {patient.pk}"
    assert (patient.email, patient.phone, patient.address_line, patient.city, patient.municipality) == ("",) * 5
    assert patient.postal_code == ""
    assert patient.date_of_birth == date(1961, 1, 1)
    assert patient.anonymised_at is not None
    assert patient.user is None
    user = User.objects.get(pk=user_id)
    assert (user.is_active, user.username, user.email) == (False, f"anonymised-{patient.pk}", "")
    assert not user.has_usable_password()
    assert not AuthorisedProxy.objects.filter(patient=patient).exists()
    assert not PortalInvitation.objects.filter(patient=patient).exists()
    assert list(Coverage.objects.filter(patient=patient).values_list("member_number", "payer_name")) == [
        ("", "Gjensidige")
    ]
    complaint = Complaint.objects.get(patient=patient)
    assert (
        complaint.description,
        complaint.prevention_note,
        complaint.resolution_note,
        complaint.resolution_text,
    ) == (REMOVED,) * 4
    assert complaint.proxy is None
    assert PortalMessage.objects.get(patient=patient).body == REMOVED
    assert FollowUpCall.objects.get(patient=patient).outcome_note == REMOVED
    assert Invoice.objects.get(patient=patient).deferrals.get().reason == REMOVED


@pytest.mark.django_db
def test_it_removes_what_it_anonymised_from_the_audit_log():
    patient = full_history_patient()

    patients_anonymise(older_than_years=10, today=TODAY, dry_run=False)

    export = json.dumps(patient_data_export(patient_id=patient.pk), ensure_ascii=False)
    every_audit_row = json.dumps(list(LogEntry.objects.values("object_repr", "changes", "changes_text")))
    # Not "Storgata": the clinic's own address, printed on every invoice as issued, is not the patient's.
    for secret in ("Åse", "Ødegård", "Kirkeveien", "GJ-778899", "ase@example.org", "1961-07-14", "pension"):
        assert secret not in export
        assert secret not in every_audit_row
    assert LogEntry.objects.get_for_object(patient).filter(action=LogEntry.Action.UPDATE).exists()


@pytest.mark.django_db
def test_it_leaves_recent_owing_and_disputed_patients_untouched():
    recent = full_history_patient(name="Recent Patient", at=timezone.now())
    with clock(LONG_AGO):
        owing = PatientFactory(name="Owing Patient")
        issued_invoice(owing, lines=PATIENT_LINES, service_date=date(2014, 3, 1), issued=date(2014, 3, 1))
        disputed = PatientFactory(name="Disputed Patient")
        invoice = issued_invoice(disputed, lines=PATIENT_LINES, service_date=date(2014, 3, 1), issued=date(2014, 3, 1))
        complain(invoice)
        pay_in_full(invoice)
        drafted = PatientFactory(name="Drafted Patient")
        draft_invoice(drafted, lines=PATIENT_LINES, service_date=date(2014, 3, 1))
    untouched = [recent, owing, disputed, drafted]

    assert patients_anonymise(older_than_years=10, today=TODAY, dry_run=False) == []

    for patient in untouched:
        patient.refresh_from_db()
        assert patient.anonymised_at is None
        assert not patient.name.startswith("Anonymised")


@pytest.mark.django_db
def test_it_keeps_the_ledger_and_the_invoice_totals():
    patient = full_history_patient()
    PatientFactory(name="Someone else")
    before = money_snapshot()

    patients_anonymise(older_than_years=10, today=TODAY, dry_run=False)

    assert invoice_services.ledger_verify() == []
    assert money_snapshot() == before
    invoice = Invoice.objects.get(patient=patient)
    assert (invoice.total, invoice.balance) == (Decimal("471.00"), Decimal("0.00"))


@pytest.mark.django_db
def test_it_changes_nothing_on_a_dry_run():
    patient = full_history_patient()
    before = patient_data_export(patient_id=patient.pk)
    audit_rows = LogEntry.objects.count()

    assert patients_anonymise(older_than_years=10, today=TODAY, dry_run=True) == [patient.pk]

    assert LogEntry.objects.count() == audit_rows
    after = patient_data_export(patient_id=patient.pk)
    before.pop("exported_at"), after.pop("exported_at")
    before.pop("audit_log"), after.pop("audit_log")
    assert after == before


@pytest.mark.django_db
def test_it_changes_nothing_more_when_run_twice():
    patient = full_history_patient()
    patients_anonymise(older_than_years=10, today=TODAY, dry_run=False)
    patient.refresh_from_db()
    first = (patient.name, patient.anonymised_at)
    audit_rows = LogEntry.objects.count()

    assert patients_anonymise(older_than_years=10, today=TODAY, dry_run=False) == []

    patient.refresh_from_db()
    assert (patient.name, patient.anonymised_at) == first
    assert LogEntry.objects.count() == audit_rows


@pytest.mark.django_db
def test_it_honours_a_longer_retention():
    full_history_patient()

    assert patients_anonymise(older_than_years=15, today=TODAY, dry_run=False) == []


@pytest.mark.django_db
def test_it_prints_ids_not_names():
    patient = full_history_patient()
    dry, real = StringIO(), StringIO()

    call_command("anonymise_patients", "--dry-run", "--today", TODAY.isoformat(), stdout=dry)
    call_command("anonymise_patients", "--years", "10", "--today", TODAY.isoformat(), stdout=real)

    assert dry.getvalue().strip() == f"Would anonymise 1 patient(s) not active for 10 years: {patient.pk}"
    assert real.getvalue().strip() == f"Anonymised 1 patient(s) not active for 10 years: {patient.pk}"
    assert "Åse" not in dry.getvalue() + real.getvalue()
