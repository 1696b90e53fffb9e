"""The anonymisation of patients whose accounts are settled and past retention (GDPR art. 5(1)(e)).

Anonymisation never touches what the books need (bokføringsloven): invoices, their lines, numbers and
ledger entries stay exactly as written. It removes what identifies the person and the patient's own words.
Every change goes through a model save or delete, so django-auditlog records who changed what and when;
afterwards the values in those audit rows are redacted too, or the audit log would keep what was removed.
"""

from datetime import date, datetime, time

from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic_billing.roles import is_staff_member
from compliance.data_protection import (
    PATIENT_IDENTIFYING_FIELDS,
    REMOVED,
    RETENTION_YEARS,
    patient_owned_object_ids,
)
from disputes.models import Complaint
from invoices.models import InsuranceStatus, Invoice, LedgerEntry
from invoices.services import issued_documents_anonymise
from patient_collections.models import (
    CollectionCase,
    Deferral,
    FollowUpCall,
    PaymentPlan,
    PaymentPromise,
    PortalMessage,
)
from patients.models import AuthorisedProxy, CallerCheck, ContactChange, Coverage, Patient, PatientNote
from portal.models import PortalInvitation

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
    PatientNote: ("text",),
    CallerCheck: ("caller_name", "note"),
    PaymentPromise: ("note",),
}


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
    objects = patient_owned_object_ids(patient)

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
    for check in CallerCheck.objects.filter(patient=patient).order_by("pk"):
        _blank(check, ("caller_name", "note"))
    for proxy in AuthorisedProxy.objects.filter(patient=patient).order_by("pk"):
        if proxy.document:
            proxy.document.delete(save=False)  # the signed authorisation names the person: the file goes too
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
    for note in PatientNote.objects.filter(patient=patient).order_by("pk"):
        _blank(note, ("text",))
    for promise in PaymentPromise.objects.filter(patient=patient).order_by("pk"):
        _blank(promise, ("note",))

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
