"""The bulk writes' audit entries (clinic_billing/audited.py) are the ones auditlog's own diff, one row at a time,
would write: the same object, action, changes, actor, address, correlation id and additional data."""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

from clinic_billing.audited import log_bulk_changes
from invoices import services as invoice_services
from invoices.models import Invoice, LedgerEntry
from patients.models import ContactChange
from tests.factories import PatientFactory, UserFactory, issue

pytestmark = pytest.mark.django_db

COLUMNS = (
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "action",
    "changes",
    "changes_text",
    "serialized_data",
    "actor_id",
    "actor_email",
    "remote_addr",
    "remote_port",
    "cid",
    "additional_data",
)


def one_at_a_time(
    pairs: list[tuple[models.Model | None, models.Model | None]], action: int, fields: list[str] | None = None
) -> None:
    """What the bulk writes logged before: auditlog's diff and a whole LogEntry per row, pre_save sent to each."""
    entries = []
    for old, new in pairs:
        changes = model_instance_diff(old, new, fields_to_check=fields)
        subject = new if new is not None else old
        if changes and subject is not None:
            entries.append(
                LogEntry(
                    content_type=ContentType.objects.get_for_model(subject),
                    object_pk=smart_str(subject.pk),
                    object_id=subject.pk,
                    object_repr=smart_str(subject),
                    action=action,
                    changes=changes,
                    additional_data=None,
                )
            )
    for entry in entries:
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using="default", update_fields=None)
    LogEntry.objects.bulk_create(entries)


def written(run, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
    last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    run(*args, **kwargs)
    return list(LogEntry.objects.filter(pk__gt=last).order_by("pk").values_list(*COLUMNS))


@pytest.fixture
def actor(db):
    return UserFactory(username="bank_clerk", email="clerk@example.org")


def test_created_rows_are_logged_as_auditlog_diffs_them(actor):
    patient = PatientFactory()
    invoice = issue(patient)
    rows: list[models.Model] = [
        *LedgerEntry.objects.filter(invoice=invoice),  # include_fields
        invoice,
        patient,
        ContactChange.objects.create(
            patient=patient, new_email="a@example.org", changed_at=timezone.now(), token_hash="x" * 64
        ),
    ]
    with set_actor(actor, remote_addr="192.0.2.7", remote_port=4433):
        for row in rows:
            fast = written(log_bulk_changes, [(None, row)], action=LogEntry.Action.CREATE)
            slow = written(one_at_a_time, [(None, row)], LogEntry.Action.CREATE)
            assert fast == slow and fast


def test_updated_rows_are_logged_as_auditlog_diffs_them(actor):
    kari, ola = PatientFactory(city="Oslo"), PatientFactory(city="Bergen")
    pairs = []
    for patient in (kari, ola):
        new = copy.copy(patient)
        new.city, new.updated_at = "Drammen", patient.updated_at + timedelta(hours=1)
        pairs.append((patient, new))
    unchanged = copy.copy(kari)
    pairs.append((kari, unchanged))  # no change: no entry
    with set_actor(actor, remote_addr="2001:db8::1"):
        for fields in (None, ["city"], ["updated_at"]):
            fast = written(log_bulk_changes, pairs, action=LogEntry.Action.UPDATE, fields=fields)
            slow = written(one_at_a_time, pairs, LogEntry.Action.UPDATE, fields)
            assert fast == slow and len(fast) == 2


def test_a_batch_of_payments_logs_its_balances_as_auditlog_diffs_them(actor):
    patient = PatientFactory()
    invoices = [issue(patient), issue(patient)]
    before = {invoice.pk: {"balance": invoice.balance, "updated_at": invoice.updated_at} for invoice in invoices}
    moved = timezone.now() + timedelta(days=1)
    for invoice in invoices:
        invoice.balance -= Decimal("12.34")
        invoice.updated_at = moved
    pairs = []
    for invoice in invoices:
        old = copy.copy(invoice)
        for name, value in before[invoice.pk].items():
            setattr(old, name, value)
        pairs.append((old, invoice))
    with set_actor(actor, remote_addr="192.0.2.8"):
        fast = written(Invoice.objects.update_locked_rows, invoices, ["balance", "updated_at"], before)
        slow = written(one_at_a_time, pairs, LogEntry.Action.UPDATE, ["balance", "updated_at"])
    assert fast == slow and len(fast) == 2
    assert fast[0][COLUMNS.index("changes")]["balance"] == [str(before[invoices[0].pk]["balance"]), "487.66"]


def test_a_batch_of_payments_logs_what_one_payment_at_a_time_logs(actor):
    patient = PatientFactory()
    invoice = issue(patient)
    payment = invoice_services.BatchPayment(
        invoice_id=invoice.pk, amount=Decimal("10.00"), method="bank_transfer", reference="r", idempotency_key="k:1"
    )
    with set_actor(actor, remote_addr="192.0.2.9"):
        logged = written(invoice_services.payments_record_batch, payments=[payment])
    entry = LedgerEntry.objects.get(idempotency_key="k:1")
    invoice.refresh_from_db()
    assert [(row[0], row[1], row[4]) for row in logged] == [
        (ContentType.objects.get_for_model(LedgerEntry).pk, str(entry.pk), LogEntry.Action.CREATE),
        (ContentType.objects.get_for_model(Invoice).pk, str(invoice.pk), LogEntry.Action.UPDATE),
    ]
    expected = model_instance_diff(None, entry) or {}
    assert logged[0][COLUMNS.index("changes")] == {name: list(pair) for name, pair in expected.items()}
    assert {row[COLUMNS.index("actor_id")] for row in logged} == {actor.pk}
