"""Data protection: what the export of one patient's data (GDPR art. 15, compliance/patient_export.py) and the
anonymisation of patients past retention (GDPR art. 5(1)(e), compliance/anonymisation.py) share: the retention,
the removal marker, the fields that identify a patient, the rows a patient owns and who may run either.
"""

from django.contrib.auth.models import User
from django.db import models

from clinic_billing.exceptions import PermissionDenied
from clinic_billing.roles import OFFICE_MANAGER, user_roles
from disputes.models import AdjustmentRequest, Complaint
from invoices.models import Invoice, InvoiceLine, LedgerEntry
from patient_collections.models import CollectionCase, Deferral, FollowUpCall, PaymentPlan, PaymentPromise
from patients.models import AuthorisedProxy, CallerCheck, ContactChange, Coverage, Patient, PatientNote
from portal.models import PortalInvitation

# Health-related billing records are kept 10 years; see docs/data-protection.md for the reasoning.
RETENTION_YEARS = 10
REMOVED = "[removed]"
# What anonymisation removes from the patient row and redacts from its audit rows.
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


def patient_owned_object_ids(patient: Patient) -> dict[type[models.Model], list[int]]:
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
        PatientNote: list(PatientNote.objects.filter(patient=patient).values_list("pk", flat=True)),
        CallerCheck: list(CallerCheck.objects.filter(patient=patient).values_list("pk", flat=True)),
        PaymentPromise: list(PaymentPromise.objects.filter(patient=patient).values_list("pk", flat=True)),
    }


def data_protection_actor(*, username: str) -> User:
    """The active office manager (or superuser) who runs an export or an anonymisation, for the audit log."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not (user.is_superuser or OFFICE_MANAGER in user_roles(user)):
        raise PermissionDenied(f"{username} is not an active office manager.")
    return user
