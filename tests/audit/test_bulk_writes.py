"""No bulk write of an audited model happens without a trace in the audit log (clinic_billing/audited.py)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.deletion import Collector
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Service, ServicePrice, ServiceText
from clinic_billing.audited import AuditedQuerySet, UnauditedBulkWrite
from disputes import services as dispute_services
from disputes.models import AdjustmentRequest, Complaint, Policy, PolicyRule
from integration_events.models import WebhookEndpoint
from invoices import services as invoice_services
from invoices.models import (
    CreditApplication,
    CreditNote,
    ImmutableRecordError,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    RefundExportBatch,
    RefundRequest,
)
from online_payments.models import CheckoutSession
from patient_collections import services as collection_services
from patient_collections.models import (
    CollectionCase,
    Deferral,
    FeeRate,
    FollowUpCall,
    PaymentPlan,
    PaymentPromise,
    ReminderStep,
)
from patients.models import CallerCheck, ContactChange, Coverage, Patient, PatientNote
from payments_in.models import BankFile, BankTransaction, Decision
from portal.invitations import invitation_accept, invitation_create
from portal.models import GoodFaithEstimate, HelpArticle, PortalInvitation
from tests.factories import (
    PatientFactory,
    ProxyFactory,
    UserFactory,
    draft_invoice,
    invoice_with_credit,
    issued_invoice,
    kept_estimate,
)

pytestmark = pytest.mark.django_db

AUDITED = sorted(auditlog.get_models(), key=lambda model: model._meta.label)
BULK_WRITES = ("update", "bulk_create")
# Audited querysets that override a bulk write: each override is proven by its own test below.
OVERRIDES = {
    ("invoices.InvoiceLine", "update"): "refuses issued lines, then the audited update",
    ("invoices.LedgerEntry", "update"): "always refuses",
    ("invoices.CreditNote", "update"): "always refuses (replace_buyer_details is the audited update)",
    ("invoices.Invoice", "update"): "moves updated_at too, then the audited update",
    ("patients.Patient", "update"): "moves updated_at too, then the audited update",
    ("portal.GoodFaithEstimate", "update"): "always refuses (kept as issued for 6 years)",
}


def entries(model: type[models.Model], action: int) -> models.QuerySet[LogEntry]:
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), action=action)


def editable_field(model: type[models.Model]) -> tuple[str, object]:
    """A field a bulk update may change, and a value: free text (not unique, no choices), else a nullable
    date and time, else a nullable date, else JSON; never a field excluded from the audit log."""
    excluded = set(auditlog.get_model_fields(model)["exclude_fields"])
    fields = [field for field in model._meta.concrete_fields if field.name not in excluded]
    for field in fields:
        if isinstance(field, models.CharField | models.TextField) and not field.unique and not field.choices:
            return field.name, "bulk-edited"[: field.max_length]
    for field in fields:
        if isinstance(field, models.DateTimeField) and field.null:
            return field.name, timezone.now()
    for field in fields:
        if isinstance(field, models.DateField) and field.null:
            return field.name, timezone.localdate()
    for field in fields:
        # Texts written per language ({code: text}), such as a policy rule's name.
        if isinstance(field, models.JSONField):
            return field.name, {"en": "bulk-edited"}
    raise AssertionError(f"{model._meta.label} has no field to edit")


@pytest.fixture
def world(manager) -> dict[type[models.Model], models.Model]:
    """One row of every audited model."""
    patient = PatientFactory()
    proxy = ProxyFactory(patient=patient)
    coverage = Coverage.objects.create(
        patient=patient, kind="insurer", payer_name="Gjensidige", valid_from=date(2026, 1, 1)
    )
    invoice = issued_invoice(patient)
    complaint = Complaint.objects.create(
        patient=patient,
        invoice=invoice,
        channel="phone",
        category="billing_error",
        description="The fee is wrong.",
        disputed_amount=Decimal("10.00"),
        route_to="billing",
        meeting_due_at=timezone.now(),
    )
    _invitation, _token = invitation_create(patient_id=patient.pk, email="bulk@example.org", by=None)
    with transaction.atomic():
        credit_note = invoice_services.invoice_adjust(
            invoice=invoice_services.invoice_lock(invoice_id=invoice.pk),
            kind="reduction",
            amount=Decimal("5.00"),
            reference="",
            note="Wrong fee",
            by=None,
        ).credit_note
    rows: dict[type[models.Model], models.Model] = {
        Patient: patient,
        Coverage: coverage,
        type(proxy): proxy,
        Invoice: invoice,
        InvoiceLine: InvoiceLine.objects.filter(invoice=invoice).first(),
        LedgerEntry: LedgerEntry.objects.filter(invoice=invoice).first(),
        CreditNote: credit_note,
        Complaint: complaint,
        AdjustmentRequest: AdjustmentRequest.objects.create(
            complaint=complaint,
            invoice=invoice,
            kind="reduction",
            amount=Decimal("10.00"),
            reason="Wrong fee",
            required_role="billing",
        ),
        FollowUpCall: FollowUpCall.objects.create(
            patient=patient, reason="callback_request", role="billing", due_at=timezone.now(), idempotency_key="bulk-1"
        ),
        PaymentPlan: PaymentPlan.objects.create(invoice=invoice, total=Decimal("100.00"), paid_before=Decimal("0")),
        Deferral: Deferral.objects.create(invoice=invoice, until=date(2026, 12, 31)),
        CollectionCase: CollectionCase.objects.create(invoice=invoice, amount=Decimal("100.00")),
        PortalInvitation: _invitation,
        CheckoutSession: CheckoutSession.objects.create(
            invoice=invoice, amount=Decimal("10.00"), currency="NOK", provider="stripe", provider_session_id="cs_bulk"
        ),
        ContactChange: ContactChange.objects.create(
            patient=patient, old_email="old@example.org", new_email="new@example.org", changed_at=timezone.now()
        ),
    }
    bank_file = BankFile.objects.create(
        filename="ocr.txt", sha256="0" * 64, size=1, source="upload", imported_at=timezone.now()
    )
    bank_row = BankTransaction.objects.create(
        bank_file=bank_file,
        transaction_id="ocr:bulk",
        amount=Decimal("5.00"),
        currency="NOK",
        booked_on=date(2026, 1, 20),
        status="queued",
        queue_reason="unknown_reference",
    )
    rows[BankFile] = bank_file
    rows[BankTransaction] = bank_row
    rows[Decision] = Decision.objects.create(
        transaction=bank_row, action="refund", note="Not ours", decided_by=manager, decided_at=timezone.now()
    )
    rows[PaymentPromise] = PaymentPromise.objects.create(patient=patient, invoice=invoice, until=date(2026, 12, 31))
    rows[PatientNote] = PatientNote.objects.create(patient=patient, text="Called.", written_at=timezone.now())
    rows[CallerCheck] = CallerCheck.objects.create(
        patient=patient,
        caller=CallerCheck.Caller.PATIENT,
        contact=CallerCheck.Contact.PHONE,
        allowed=True,
        checked_at=timezone.now(),
    )
    rows[GoodFaithEstimate] = kept_estimate(patient)
    rows[WebhookEndpoint] = WebhookEndpoint.objects.create(
        url="https://ehr.example/hooks", event_types=["invoice.issued"]
    )
    for model in (Policy, PolicyRule, ReminderStep, FeeRate, HelpArticle, Service, ServiceText, ServicePrice):
        rows[model] = model._default_manager.first()
    overpaid = invoice_with_credit(patient, "100.00")
    rows[CreditApplication] = invoice_services.credit_apply(
        source_id=overpaid.pk, target_id=invoice.pk, amount="10.00", by=manager
    )
    payee = invoice_services.RefundPayee(method="bank_transfer", name="Kari Nordmann", account="86011117947")
    refund = invoice_services.refund_request_create(
        invoice_id=overpaid.pk, amount="50.00", payee=payee, by=UserFactory(username="bulk_billing", roles=["billing"])
    )
    invoice_services.refund_approve(refund_id=refund.pk, by=manager)
    rows[RefundExportBatch] = invoice_services.refunds_export(by=manager)
    rows[RefundRequest] = RefundRequest.objects.get(pk=refund.pk)
    return rows


# --- Every audited model --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", AUDITED, ids=lambda model: model._meta.label)
def test_every_audited_model_bulk_writes_through_the_audited_queryset(model):
    queryset = model._default_manager.all()
    assert isinstance(queryset, AuditedQuerySet), f"{model._meta.label}: use AuditedQuerySet for its manager"
    for name in BULK_WRITES:
        owner = next(cls for cls in type(queryset).__mro__ if name in cls.__dict__)
        assert owner is AuditedQuerySet or (model._meta.label, name) in OVERRIDES, (model._meta.label, name)
    # Django's bulk_update runs self.filter(...).update(...) per batch, so it goes through the audited update.
    assert next(cls for cls in type(queryset).__mro__ if "bulk_update" in cls.__dict__) is models.QuerySet


@pytest.mark.parametrize("model", AUDITED, ids=lambda model: model._meta.label)
def test_every_audited_model_logs_each_row_a_queryset_deletes(model):
    # Django deletes row by row, sending post_delete (auditlog's receiver), unless it may "fast delete".
    assert not Collector(using="default", origin=None).can_fast_delete(model._default_manager.all())


def test_the_world_has_a_row_of_every_audited_model(world):
    assert set(world) == set(AUDITED)
    assert all(row is not None for row in world.values())


@pytest.mark.parametrize("model", AUDITED, ids=lambda model: model._meta.label)
def test_no_audited_model_can_be_bulk_updated_without_a_trace(world, model, manager):
    row = world[model]
    field, value = editable_field(model)
    before = entries(model, LogEntry.Action.UPDATE).count()
    last_entry = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        with set_actor(manager):
            model._default_manager.filter(pk=row.pk).update(**{field: value})
    except ImmutableRecordError:
        assert (model._meta.label, "update") in OVERRIDES  # blocked, not written
        assert entries(model, LogEntry.Action.UPDATE).count() == before
        return
    entry = entries(model, LogEntry.Action.UPDATE).get(pk__gt=last_entry, object_pk=str(row.pk))
    assert entry.changes[field][0] != entry.changes[field][1]
    assert entry.actor == manager


# --- What the audited bulk writes record ----------------------------------------------------------------


def test_an_update_logs_each_row_with_old_and_new_values_and_the_actor(manager):
    kari, ola = PatientFactory(city="Oslo"), PatientFactory(city="Oslo")
    PatientFactory(city="Bergen")
    with set_actor(manager):
        count = Patient.objects.filter(city="Oslo").update(city="Drammen")
    assert count == 2
    logged = entries(Patient, LogEntry.Action.UPDATE).filter(changes__has_key="city")
    assert {entry.object_id for entry in logged} == {kari.pk, ola.pk}
    assert all(entry.changes["city"] == ["Oslo", "Drammen"] and entry.actor == manager for entry in logged)


def test_a_row_that_stopped_matching_while_locked_is_not_logged(monkeypatch):
    """Another transaction changed a row between the read of the pks and its lock: the update skips it."""
    moved, staying = PatientFactory(city="Oslo"), PatientFactory(city="Oslo")
    locked_rows = AuditedQuerySet._locked_rows

    def lock_then_lose_one(self):
        rows = locked_rows(self)
        models.QuerySet.update(Patient.objects.filter(pk=moved.pk), city="Bergen")  # the other transaction
        return rows

    monkeypatch.setattr(AuditedQuerySet, "_locked_rows", lock_then_lose_one)

    assert Patient.objects.filter(city="Oslo").update(city="Drammen") == 1

    logged = entries(Patient, LogEntry.Action.UPDATE)
    assert [entry.object_id for entry in logged] == [staying.pk]


def test_an_update_with_an_expression_logs_the_value_it_came_to():
    call = FollowUpCall.objects.create(
        patient=PatientFactory(), reason="callback_request", role="billing", due_at=timezone.now(), idempotency_key="x"
    )
    FollowUpCall.objects.filter(pk=call.pk).update(attempts=F("attempts") + 1)
    entry = entries(FollowUpCall, LogEntry.Action.UPDATE).get(object_id=call.pk)
    assert entry.changes["attempts"] == ["0", "1"]


def test_an_update_that_matches_nothing_logs_nothing_and_costs_one_query():
    with CaptureQueriesContext(connection) as queries:
        assert Patient.objects.filter(name="nobody").update(city="Oslo") == 0
    assert len(queries) == 1
    assert not LogEntry.objects.exists()


def test_a_bulk_update_logs_each_row_once(manager):
    first, second = PatientFactory(phone="1"), PatientFactory(phone="2")
    first.phone, second.phone = "+47 1", "+47 2"
    with set_actor(manager):
        Patient.objects.bulk_update([first, second], ["phone"])
    logged = entries(Patient, LogEntry.Action.UPDATE)
    assert sorted(tuple(entry.changes["phone"]) for entry in logged) == [("1", "+47 1"), ("2", "+47 2")]
    assert {entry.actor for entry in logged} == {manager}


def test_a_bulk_create_logs_each_new_row_in_one_insert():
    patients = [Patient(name=f"Bulk {n}", date_of_birth=date(1990, 1, 1), language="nb") for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        Patient.objects.bulk_create(patients)
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2  # the patients, then their five audit entries
    assert set(entries(Patient, LogEntry.Action.CREATE).values_list("object_id", flat=True)) == {p.pk for p in patients}


def test_a_bulk_create_ignoring_conflicts_logs_only_the_rows_it_inserted():
    patient = PatientFactory()
    taken, free = issued_invoice(patient), issued_invoice(patient)
    existing = CollectionCase.objects.create(invoice=taken, amount=Decimal("1.00"))
    CollectionCase.objects.bulk_create(
        [CollectionCase(invoice=taken, amount=Decimal("2.00")), CollectionCase(invoice=free, amount=Decimal("3.00"))],
        ignore_conflicts=True,
    )
    new = CollectionCase.objects.get(invoice=free)
    created = entries(CollectionCase, LogEntry.Action.CREATE)
    assert sorted(created.values_list("object_id", flat=True)) == sorted([existing.pk, new.pk])
    assert created.get(object_id=new.pk).changes["amount"][1] == "3.00"


def test_a_bulk_upsert_is_refused():
    with pytest.raises(UnauditedBulkWrite):
        Service.objects.bulk_create(
            [Service(code="X", coding_system="local", kind="procedure")],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["kind"],
        )


def test_a_bulk_update_keeps_excluded_fields_out_of_the_log():
    invitation, _token = invitation_create(patient_id=PatientFactory().pk, email="a@example.org", by=None)
    PortalInvitation.objects.filter(pk=invitation.pk).update(token_hash="0" * 64, email="b@example.org")
    entry = entries(PortalInvitation, LogEntry.Action.UPDATE).get(object_id=invitation.pk)
    assert set(entry.changes) == {"email"}


def test_issued_invoice_lines_stay_refused_before_anything_is_written():
    invoice = issued_invoice(PatientFactory())
    with pytest.raises(ImmutableRecordError):
        InvoiceLine.objects.filter(invoice=invoice).update(description="changed")
    assert not entries(InvoiceLine, LogEntry.Action.UPDATE).exists()


def test_draft_invoice_lines_are_updated_with_a_trace():
    invoice = draft_invoice(PatientFactory())
    InvoiceLine.objects.filter(invoice=invoice).update(description="changed")
    assert entries(InvoiceLine, LogEntry.Action.UPDATE).count() == invoice.lines.count()


def test_ledger_entries_stay_refused():
    invoice = issued_invoice(PatientFactory())
    with pytest.raises(ImmutableRecordError):
        LedgerEntry.objects.filter(invoice=invoice).update(amount=Decimal("0"))


# --- The app's own bulk writes --------------------------------------------------------------------------


def test_a_draft_with_lines_logs_every_line(db):
    invoice = draft_invoice(PatientFactory())
    assert set(entries(InvoiceLine, LogEntry.Action.CREATE).values_list("object_id", flat=True)) == set(
        invoice.lines.values_list("pk", flat=True)
    )


def test_replacing_a_drafts_lines_logs_the_deleted_and_the_new_lines():
    invoice = draft_invoice(PatientFactory())
    old_ids = set(invoice.lines.values_list("pk", flat=True))
    invoice_services.invoice_replace_lines(
        invoice_id=invoice.pk,
        lines=[invoice_services.LineInput("GP2", "Longer consultation", Decimal("1"), Decimal("600.00"), "patient")],
    )
    assert set(entries(InvoiceLine, LogEntry.Action.DELETE).values_list("object_id", flat=True)) == old_ids
    new_line = invoice.lines.get()
    assert entries(InvoiceLine, LogEntry.Action.CREATE).filter(object_id=new_line.pk).exists()


def test_accepting_a_proxy_invitation_logs_the_account_it_links():
    patient = PatientFactory()
    proxy = ProxyFactory(patient=patient, user=None)
    _invitation, token = invitation_create(patient_id=patient.pk, proxy_id=proxy.pk, email="son@example.org", by=None)
    user = invitation_accept(token=token, password="a-long-and-unusual-passphrase")
    entry = entries(type(proxy), LogEntry.Action.UPDATE).get(object_id=proxy.pk)
    assert entry.changes["user"] == ["None", str(user.pk)]


def test_the_sweep_logs_the_cases_it_proposes_in_one_insert_per_batch():
    patient = PatientFactory(
        preferred_channel="email", address_line="Storgata 5", postal_code="0155", city="Oslo", municipality="Oslo"
    )
    invoices = []
    for _ in range(3):
        draft = draft_invoice(patient, lines=[("GP1", "Consultation", "1", "500.00", "patient")])
        invoices.append(invoice_services.invoice_issue(invoice_id=draft.pk, by=None, today=date(2026, 1, 5)))
    due = invoices[0].due_date
    for days in (1, 16, 31):  # the notices of the Norwegian schedule, up to the final one
        day = due + timedelta(days=days)
        result = collection_services.reminders_sweep(today=day, enqueue=False)
        moment = timezone.make_aware(datetime.combine(day, time(10)))
        for reminder_id in result.reminder_ids:
            collection_services.reminder_send(reminder_id=reminder_id, now=moment)
        collection_services.reminders_record_printed(now=moment)  # the final notice goes by letter

    with CaptureQueriesContext(connection) as queries:
        collection_services.reminders_sweep_batch(today=due + timedelta(days=46), enqueue=False)

    cases = CollectionCase.objects.filter(invoice__in=invoices)
    assert cases.count() == 3
    assert set(entries(CollectionCase, LogEntry.Action.CREATE).values_list("object_id", flat=True)) == set(
        cases.values_list("pk", flat=True)
    )
    log_inserts = [q for q in queries if q["sql"].startswith("INSERT") and "auditlog_logentry" in q["sql"]]
    assert len(log_inserts) == 1


def test_publishing_a_policy_logs_each_of_its_rules(manager):
    draft = dispute_services.policy_draft_from(dispute_services.policy_active())
    with set_actor(manager):
        policy = dispute_services.policy_publish(draft=draft, by=manager)
    rule_ids = set(policy.rules.values_list("pk", flat=True))
    logged = entries(PolicyRule, LogEntry.Action.CREATE).filter(object_id__in=rule_ids)
    assert rule_ids and set(logged.values_list("object_id", flat=True)) == rule_ids
    assert {entry.actor for entry in logged} == {manager}
