"""The export of everything stored about one patient (GDPR art. 15, right of access), audit rows included."""

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from auditlog.signals import accessed
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from clinic_billing.exceptions import NotFound
from compliance.data_protection import patient_owned_object_ids
from disputes.models import AdjustmentRequest, AdjustmentRequestStatusChange, Complaint, ComplaintStatusChange, Decision
from invoices.models import Invoice, InvoiceLine, InvoiceStatusChange, LedgerEntry
from patient_collections.models import (
    CollectionCase,
    CollectionCaseStatusChange,
    Deferral,
    FollowUpCall,
    Instalment,
    InstalmentStatusChange,
    PaymentPlan,
    PaymentPlanStatusChange,
    PaymentPromise,
    PortalMessage,
    Reminder,
    ReminderStatusChange,
)
from patients.models import AuthorisedProxy, CallerCheck, ContactChange, Coverage, Patient, PatientNote
from portal.models import PortalInvitation

# Never exported: secrets that prove nothing to the patient and would help an attacker.
SECRET_FIELDS = frozenset({"token_hash", "password"})

CONTACT_PREFERENCE_FIELDS = (
    "language",
    "preferred_channel",
    "opt_out_email",
    "opt_out_sms",
    "opt_out_phone",
)
AUDIT_ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}


def _plain(value: object) -> object:
    """A JSON-able value: money as a decimal string, dates and datetimes in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _row(instance: models.Model) -> dict[str, object]:
    """Every stored column of one row (foreign keys as `<name>_id`), without secrets."""
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.name not in SECRET_FIELDS
    }


def _rows(instances: Iterable[models.Model]) -> list[dict[str, object]]:
    return [_row(instance) for instance in instances]


def _portal_account(user: User | None) -> dict[str, object] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "is_active": user.is_active,
        "date_joined": _plain(user.date_joined),
        "last_login": _plain(user.last_login),
    }


def _audit_entries_query(objects: dict[type[models.Model], list[int]]) -> Q:
    content_types = ContentType.objects.get_for_models(*objects)
    condition = Q(pk__in=[])
    for model, ids in objects.items():
        if ids:
            condition |= Q(content_type=content_types[model], object_pk__in=[str(pk) for pk in ids])
    return condition


def _audit_row(entry: LogEntry) -> dict[str, object]:
    return {
        "timestamp": _plain(entry.timestamp),
        "action": AUDIT_ACTIONS.get(entry.action, str(entry.action)),
        "object_type": f"{entry.content_type.app_label}.{entry.content_type.model}",
        "object_id": entry.object_pk,
        "object": entry.object_repr,
        "changes": entry.changes,
        "actor": entry.actor.get_username() if entry.actor else None,
    }


def _adjustment_requests(requests: Iterable[AdjustmentRequest]) -> list[dict[str, object]]:
    return [
        {**_row(request), "status_changes": _rows(AdjustmentRequestStatusChange.objects.filter(adjustment=request))}
        for request in requests
    ]


def patient_data_export(*, patient_id: int) -> dict[str, Any]:
    """Everything stored about one patient as plain JSON-able data (GDPR art. 15, right of access).

    The export is itself a read of the patient's account, so it is audited as an access first and that
    audit row appears in the export. Token and password hashes are never included.
    """
    try:
        patient = Patient.objects.select_related("user").get(pk=patient_id)
    except Patient.DoesNotExist as exc:
        raise NotFound("No such patient.", field="patient") from exc
    accessed.send(sender=Patient, instance=patient)

    invoices = []
    for invoice in Invoice.objects.filter(patient=patient).order_by("service_date", "id"):
        plans = PaymentPlan.objects.filter(invoice=invoice).order_by("created_at", "id")
        invoices.append(
            {
                **_row(invoice),
                "lines": _rows(InvoiceLine.objects.filter(invoice=invoice)),
                "ledger_entries": _rows(LedgerEntry.objects.filter(invoice=invoice)),
                "status_changes": _rows(InvoiceStatusChange.objects.filter(invoice=invoice)),
                "reminders": _rows(Reminder.objects.filter(invoice=invoice)),
                "reminder_status_changes": _rows(ReminderStatusChange.objects.filter(reminder__invoice=invoice)),
                "payment_plans": [
                    {
                        **_row(plan),
                        "instalments": _rows(Instalment.objects.filter(plan=plan)),
                        "status_changes": _rows(PaymentPlanStatusChange.objects.filter(plan=plan)),
                        "instalment_status_changes": _rows(
                            InstalmentStatusChange.objects.filter(instalment__plan=plan)
                        ),
                    }
                    for plan in plans
                ],
                "deferrals": _rows(Deferral.objects.filter(invoice=invoice).order_by("created_at", "id")),
                "collection_cases": [
                    {
                        **_row(case),
                        "credit_requests": _adjustment_requests(AdjustmentRequest.objects.filter(collection_case=case)),
                        "status_changes": _rows(CollectionCaseStatusChange.objects.filter(case=case)),
                    }
                    for case in CollectionCase.objects.filter(invoice=invoice)
                ],
            }
        )

    complaints = []
    for complaint in Complaint.objects.filter(patient=patient).order_by("received_at", "id"):
        decision = Decision.objects.filter(complaint=complaint).first()
        complaints.append(
            {
                **_row(complaint),
                "line_ids": sorted(complaint.lines.values_list("pk", flat=True)),
                "decision": _row(decision) if decision else None,
                "adjustment_requests": _adjustment_requests(AdjustmentRequest.objects.filter(complaint=complaint)),
                "status_changes": _rows(ComplaintStatusChange.objects.filter(complaint=complaint)),
            }
        )

    audit_entries = (
        LogEntry.objects.filter(_audit_entries_query(patient_owned_object_ids(patient)))
        .select_related("content_type", "actor")
        .order_by("timestamp", "id")
    )
    return {
        "exported_at": _plain(timezone.now()),
        "patient": _row(patient),
        "contact_preferences": {name: getattr(patient, name) for name in CONTACT_PREFERENCE_FIELDS},
        "portal_account": _portal_account(patient.user),
        "coverages": _rows(Coverage.objects.filter(patient=patient)),
        "proxies": _rows(AuthorisedProxy.objects.filter(patient=patient)),
        "invoices": invoices,
        "complaints": complaints,
        "follow_up_calls": _rows(FollowUpCall.objects.filter(patient=patient)),
        "portal_messages": _rows(PortalMessage.objects.filter(patient=patient).order_by("created_at", "id")),
        "portal_invitations": _rows(PortalInvitation.objects.filter(patient=patient).order_by("created_at", "id")),
        "contact_changes": _rows(ContactChange.objects.filter(patient=patient).order_by("changed_at", "id")),
        "notes": _rows(PatientNote.objects.filter(patient=patient).order_by("written_at", "id")),
        "caller_checks": _rows(CallerCheck.objects.filter(patient=patient).order_by("checked_at", "id")),
        "payment_promises": _rows(PaymentPromise.objects.filter(patient=patient).order_by("created_at", "id")),
        "audit_log": [_audit_row(entry) for entry in audit_entries],
    }
