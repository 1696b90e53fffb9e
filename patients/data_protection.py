"""Data protection: the export of everything stored about one patient (GDPR art. 15) and the anonymisation
of patients whose accounts are settled and past retention (GDPR art. 5(1)(e)).

Anonymisation never touches what the books need (bokføringsloven): invoices, their lines, numbers and
ledger entries stay exactly as written. It removes what identifies the person and the patient's own words.
Every change goes through a model save or delete, so django-auditlog records who changed what and when;
afterwards the values in those audit rows are redacted too, or the audit log would keep what was removed.
"""

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from auditlog.signals import accessed
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic_billing.exceptions import NotFound, PermissionDenied
from clinic_billing.roles import OFFICE_MANAGER, is_staff_member, user_roles
from disputes.models import AdjustmentRequest, AdjustmentRequestStatusChange, Complaint, ComplaintStatusChange, Decision
from invoices.models import InsuranceStatus, Invoice, InvoiceLine, InvoiceStatusChange, LedgerEntry
from invoices.services import issued_documents_anonymise
from patient_collections.models import (
    CollectionCase,
    CollectionCaseStatusChange,
    Deferral,
    FollowUpCall,
    Instalment,
    InstalmentStatusChange,
    PaymentPlan,
    PaymentPlanStatusChange,
    PortalMessage,
    Reminder,
    ReminderStatusChange,
)
from portal.models import PortalInvitation

from .models import AuthorisedProxy, ContactChange, Coverage, Patient

# Health-related billing records are kept 10 years; see docs/data-protection.md for the reasoning.
RETENTION_YEARS = 10
REMOVED = "[removed]"

# Never exported: secrets that prove nothing to the patient and would help an attacker.
SECRET_FIELDS = frozenset({"token_hash", "password"})

CONTACT_PREFERENCE_FIELDS = (
    "language",
    "preferred_channel",
    "opt_out_email",
    "opt_out_sms",
    "opt_out_phone",
)
PATIENT_IDENTIFYING_FIELDS = (
    "name",
    "date_of_birth",
    "email",
    "phone",
    "address_line",
    "postal_code",
    "city",
    "municipality",
)
# Fields whose values are redacted in the audit rows of an anonymised patient's objects ("*": every field).
AUDIT_REDACTIONS: dict[type[models.Model], tuple[str, ...]] = {
    Patient: PATIENT_IDENTIFYING_FIELDS,
    Coverage: ("member_number",),
    AuthorisedProxy: ("*",),
    PortalInvitation: ("*",),
    Complaint: ("description", "prevention_note", "resolution_note", "resolution_text"),
    ContactChange: ("*",),
    FollowUpCall: ("request_note", "outcome_note"),
    Deferral: ("reason",),
    Invoice: ("buyer_details",),
}
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


def _owned_object_ids(patient: Patient) -> dict[type[models.Model], list[int]]:
    """The ids of every audited row that belongs to the patient, by model."""
    invoice_ids = list(Invoice.objects.filter(patient=patient).values_list("pk", flat=True))
    complaint_ids = list(Complaint.objects.filter(patient=patient).values_list("pk", flat=True))
    return {
        Patient: [patient.pk],
        Coverage: list(Coverage.objects.filter(patient=patient).values_list("pk", flat=True)),
        AuthorisedProxy: list(AuthorisedProxy.objects.filter(patient=patient).values_list("pk", flat=True)),
        PortalInvitation: list(PortalInvitation.objects.filter(patient=patient).values_list("pk", flat=True)),
        ContactChange: list(ContactChange.objects.filter(patient=patient).values_list("pk", flat=True)),
        Invoice: invoice_ids,
        InvoiceLine: list(InvoiceLine.objects.filter(invoice__in=invoice_ids).values_list("pk", flat=True)),
        LedgerEntry: list(LedgerEntry.objects.filter(invoice__in=invoice_ids).values_list("pk", flat=True)),
        Complaint: complaint_ids,
        # A complaint's requests and a collection case's credit requests: all are on the patient's invoices.
        AdjustmentRequest: list(AdjustmentRequest.objects.filter(invoice__in=invoice_ids).values_list("pk", flat=True)),
        FollowUpCall: list(FollowUpCall.objects.filter(patient=patient).values_list("pk", flat=True)),
        PaymentPlan: list(PaymentPlan.objects.filter(invoice__in=invoice_ids).values_list("pk", flat=True)),
        Deferral: list(Deferral.objects.filter(invoice__in=invoice_ids).values_list("pk", flat=True)),
        CollectionCase: list(CollectionCase.objects.filter(invoice__in=invoice_ids).values_list("pk", flat=True)),
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
        LogEntry.objects.filter(_audit_entries_query(_owned_object_ids(patient)))
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
        "audit_log": [_audit_row(entry) for entry in audit_entries],
    }


def data_protection_actor(*, username: str) -> User:
    """The active office manager (or superuser) who runs an export or an anonymisation, for the audit log."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not (user.is_superuser or OFFICE_MANAGER in user_roles(user)):
        raise PermissionDenied(f"{username} is not an active office manager.")
    return user


def retention_cutoff(*, older_than_years: int, today: date) -> date:
    """The first day that still counts as recent: `today` less the retention (29 February becomes the 28th)."""
    year = today.year - older_than_years
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)


def _unsettled_invoices() -> Q:
    """Invoices that keep an account open: drafts, anything owed either way, an insurer's part still expected."""
    owed = (
        Invoice.objects.with_patient_due()
        .filter(status__in=Invoice.BOOKED_STATUSES)
        .filter(
            ~Q(patient_due_amount=0)
            | (~Q(insurance_status=InsuranceStatus.SETTLED) & Q(third_party_share__gt=F("insurer_paid")))
        )
    )
    return Q(status=Invoice.Status.DRAFT) | Q(pk__in=owed.values("pk"))


def patients_past_retention(*, older_than_years: int, today: date) -> models.QuerySet[Patient]:
    """Patients not yet anonymised whose accounts are settled and whose last activity is before the cutoff.

    Settled: no draft, every issued or credited invoice owes nothing either way and expects nothing more from
    an insurer, no open complaint, no active payment plan, no collection case waiting for a decision or for the
    approval of its credit, no call still to make.
    Last activity: the registration, the last service date, ledger entry and complaint.
    """
    cutoff = retention_cutoff(older_than_years=older_than_years, today=today)
    cutoff_at = timezone.make_aware(datetime.combine(cutoff, time.min))
    unsettled = Invoice.objects.filter(_unsettled_invoices())
    return (
        Patient.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff_at)
        .exclude(pk__in=unsettled.values("patient_id"))
        .exclude(pk__in=Complaint.objects.filter(status__in=Complaint.OPEN_STATUSES).values("patient_id"))
        .exclude(pk__in=PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE).values("invoice__patient_id"))
        .exclude(
            pk__in=CollectionCase.objects.filter(status__in=CollectionCase.UNDECIDED_STATUSES).values(
                "invoice__patient_id"
            )
        )
        .exclude(pk__in=FollowUpCall.objects.filter(completed_at__isnull=True).values("patient_id"))
        .exclude(pk__in=Invoice.objects.filter(service_date__gte=cutoff).values("patient_id"))
        .exclude(pk__in=LedgerEntry.objects.filter(posted_at__gte=cutoff_at).values("invoice__patient_id"))
        .exclude(pk__in=Complaint.objects.filter(received_at__gte=cutoff_at).values("patient_id"))
        .order_by("pk")
    )


def _release_portal_account(user: User, patient: Patient) -> None:
    """Deactivate the patient's own portal account and strip what identifies them from it.

    An account that also holds staff roles or speaks for another patient is only unlinked: it is not the
    patient's alone to lose.
    """
    other_grants = AuthorisedProxy.objects.filter(user=user).exclude(patient=patient)
    if is_staff_member(user) or user.is_staff or other_grants.exists():
        return
    user.is_active = False
    user.username = f"anonymised-{patient.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()
    user.save(update_fields=["is_active", "username", "email", "first_name", "last_name", "password"])


def _redact_changes(changes: object, fields: tuple[str, ...]) -> object:
    if not isinstance(changes, dict):
        return changes
    return {key: REMOVED if "*" in fields or key in fields else value for key, value in changes.items()}


def _redact_audit_log(patient: Patient, objects: dict[type[models.Model], list[int]]) -> None:
    """Remove the values that anonymisation removed from the audit rows about the patient's objects.

    The rows themselves stay: who changed or read which object, which fields, and when.
    """
    content_types = ContentType.objects.get_for_models(*AUDIT_REDACTIONS)
    for model, fields in AUDIT_REDACTIONS.items():
        ids = [str(pk) for pk in objects.get(model, [])]
        if not ids:
            continue
        entries = LogEntry.objects.filter(content_type=content_types[model], object_pk__in=ids)
        for entry in entries.iterator():
            entry.changes = _redact_changes(entry.changes, fields)
            entry.changes_text = ""
            entry.serialized_data = None
            if model is Patient:
                entry.object_repr = str(patient)
            elif "*" in fields:
                entry.object_repr = REMOVED
            entry.save(update_fields=["changes", "changes_text", "serialized_data", "object_repr"])


def _blank(instance: models.Model, field_names: tuple[str, ...]) -> None:
    """Replace each non-empty text field with the removal marker; save only if something changed."""
    changed = [name for name in field_names if getattr(instance, name)]
    for name in changed:
        setattr(instance, name, REMOVED)
    if changed:
        instance.save(update_fields=changed)


def _anonymise(patient: Patient, *, now: datetime) -> None:
    # Collected before the proxies and invitations are deleted, so their audit rows are redacted too.
    objects = _owned_object_ids(patient)

    user = patient.user
    patient.name = f"Anonymised patient {patient.pk}"
    for name in ("email", "phone", "address_line", "postal_code", "city", "municipality"):
        setattr(patient, name, "")
    patient.date_of_birth = patient.date_of_birth.replace(month=1, day=1)
    patient.user = None
    patient.anonymised_at = now
    patient.save(update_fields=[*PATIENT_IDENTIFYING_FIELDS, "user", "anonymised_at"])
    if user is not None:
        _release_portal_account(user, patient)
    # The buyer printed on invoices and credit notes as issued: the documents stay, the person goes.
    issued_documents_anonymise(patient=patient)

    for complaint in Complaint.objects.filter(patient=patient).order_by("pk"):
        if complaint.proxy_id is not None:
            complaint.proxy = None
            complaint.save(update_fields=["proxy"])
        _blank(complaint, ("description", "prevention_note", "resolution_note", "resolution_text"))
    for invitation in PortalInvitation.objects.filter(patient=patient).order_by("pk"):
        invitation.delete()
    for change in ContactChange.objects.filter(patient=patient).order_by("pk"):
        change.delete()
    for proxy in AuthorisedProxy.objects.filter(patient=patient).order_by("pk"):
        proxy.delete()
    for coverage in Coverage.objects.filter(patient=patient).exclude(member_number="").order_by("pk"):
        coverage.member_number = ""
        coverage.save(update_fields=["member_number"])
    for message in PortalMessage.objects.filter(patient=patient).order_by("pk"):
        _blank(message, ("body",))
    for call in FollowUpCall.objects.filter(patient=patient).order_by("pk"):
        _blank(call, ("request_note", "outcome_note"))
    for deferral in Deferral.objects.filter(invoice__patient=patient).order_by("pk"):
        _blank(deferral, ("reason",))

    _redact_audit_log(patient, objects)


def patients_anonymise(
    *, older_than_years: int = RETENTION_YEARS, today: date | None = None, dry_run: bool = False
) -> list[int]:
    """Anonymise every settled patient whose last activity is older than the retention; return their ids.

    Each patient is anonymised in its own transaction after locking the row and checking again that it is
    still due, so a payment or complaint arriving meanwhile keeps the patient as they are. Invoices, lines
    and ledger entries are never touched. Already anonymised patients are skipped, so a rerun does nothing.
    With `dry_run` nothing is written and the ids that would be anonymised are returned.
    """
    if older_than_years < 1:
        raise ValueError("The retention must be at least one year.")
    today = today or timezone.localdate()
    due = list(patients_past_retention(older_than_years=older_than_years, today=today).values_list("pk", flat=True))
    if dry_run:
        return due
    done: list[int] = []
    for patient_id in due:
        with transaction.atomic():
            patient = (
                patients_past_retention(older_than_years=older_than_years, today=today)
                .select_for_update(of=("self",))
                .select_related("user")
                .filter(pk=patient_id)
                .first()
            )
            if patient is None:
                continue
            _anonymise(patient, now=timezone.now())
            done.append(patient_id)
    return done
