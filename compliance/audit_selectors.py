"""Reads of the audit log for the office manager: filtered entries and what each entry may show."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from disputes.models import AdjustmentRequest, Complaint
from invoices.models import Invoice, InvoiceLine, LedgerEntry
from patient_collections.models import CollectionCase, Deferral, FollowUpCall, PaymentPlan
from patients.models import AuthorisedProxy, Coverage, Patient

# Every audited model that belongs to one patient, with the lookup from that model to the patient's id.
PATIENT_RECORDS: tuple[tuple[type[models.Model], str], ...] = (
    (Patient, "pk"),
    (Coverage, "patient_id"),
    (AuthorisedProxy, "patient_id"),
    (Invoice, "patient_id"),
    (InvoiceLine, "invoice__patient_id"),
    (LedgerEntry, "invoice__patient_id"),
    (Complaint, "patient_id"),
    (AdjustmentRequest, "invoice__patient_id"),
    (FollowUpCall, "patient_id"),
    (PaymentPlan, "invoice__patient_id"),
    (Deferral, "invoice__patient_id"),
    (CollectionCase, "invoice__patient_id"),
)

# How many patients one search may match; a broader name is refused rather than silently cut.
MAX_MATCHED_PATIENTS = 50


@dataclass(frozen=True)
class AuditFilters:
    patient: str = ""
    staff: str = ""
    action: int | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class MatchedPatient:
    pk: int
    name: str


def patients_matching(*, text: str) -> list[MatchedPatient]:
    """Patients named like the text, or with that id; at most MAX_MATCHED_PATIENTS + 1 (so callers see "too many")."""
    text = text.strip()
    if not text:
        return []
    condition = Q(name__icontains=text)
    if text.isdigit():
        condition |= Q(pk=int(text))
    rows = Patient.objects.filter(condition).order_by("name", "pk").values_list("pk", "name")
    return [MatchedPatient(pk, name) for pk, name in rows[: MAX_MATCHED_PATIENTS + 1]]


def _patient_condition(patient_ids: Sequence[int]) -> Q:
    """Entries about these patients' own rows and their invoices, lines, ledger entries, complaints, plans….

    Each model's rows are resolved in a subquery against the entry's integer object id, so the whole
    condition stays one SQL query however many entries match. An entry about a row that has since been
    deleted (a draft's line) is only found through the invoice's own entries.
    """
    content_types = ContentType.objects.get_for_models(*(model for model, _path in PATIENT_RECORDS))
    condition = Q(pk__in=[])
    for model, path in PATIENT_RECORDS:
        if model is Patient:
            ids: object = list(patient_ids)
        else:
            ids = model._default_manager.filter(**{f"{path}__in": patient_ids}).values("pk")
        condition |= Q(content_type=content_types[model], object_id__in=ids)
    return condition


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(*, filters: AuditFilters, patient_ids: Sequence[int] | None = None) -> QuerySet[LogEntry]:
    """Entries matching the filters, newest first, with the actor and content type joined in.

    `patient_ids` limits the entries to those patients' records (None: no patient filter).
    """
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if patient_ids is not None:
        entries = entries.filter(_patient_condition(patient_ids))
    if filters.staff:
        entries = entries.filter(actor__username__iexact=filters.staff)
    if filters.action is not None:
        entries = entries.filter(action=filters.action)
    if filters.start is not None:
        entries = entries.filter(timestamp__gte=_day_start(filters.start))
    if filters.end is not None:
        entries = entries.filter(timestamp__lt=_day_start(filters.end + timedelta(days=1)))
    return entries


def changed_field_names(entry: LogEntry) -> list[str]:
    """The names of the fields an entry changed, in the reader's language, never their values.

    The values of patient data (contact details, what was treated) stay in the database; the list and the
    export say only which fields changed.
    """
    changes = entry.changes_dict or {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    names = []
    for field_name in changes:
        try:
            field = model._meta.get_field(field_name) if model is not None else None
        except FieldDoesNotExist:
            field = None  # a field removed since the entry was written keeps its raw name
        names.append(str(getattr(field, "verbose_name", field_name)))
    return names


def entry_subject(entry: LogEntry) -> str:
    """What an entry is about: the model's name and the object's description as it was when logged."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    kind = str(model._meta.verbose_name) if model is not None else entry.content_type.model
    return f"{kind}: {entry.object_repr}"
