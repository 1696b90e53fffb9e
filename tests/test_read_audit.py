"""Every read of a patient's account, invoice, complaint, case or document leaves an audit row: who, what, where.

One row per route that shows a patient's records, by staff, through the API and in the portal. A route that
stopped calling `log_read` fails here.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db.models import Model
from django.urls import reverse

from disputes import services as dispute_services
from invoices import services as invoice_services
from invoices.models import CreditNote
from patient_collections.models import CollectionCase
from tests.factories import UserFactory, issued_invoice
from tests.patient_collections.test_letters import issue, letter_patient, run_day

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


@dataclass(frozen=True)
class Read:
    route: str
    reader: str  # "billing", "manager" or "patient"
    record: str  # which record of the world the URL names
    audited: str = ""  # the record the audit row names, when not the URL's (a case's or a notice's invoice)


READS = [
    Read("patient-detail", "billing", "patient"),
    Read("invoice-detail", "billing", "invoice"),
    Read("invoice-pdf", "billing", "invoice"),
    Read("complaint-detail", "billing", "complaint"),
    Read("complaint-letter", "billing", "complaint"),
    Read("case-detail", "manager", "case", audited="case invoice"),
    Read("case-summary", "manager", "case", audited="case invoice"),
    Read("case-conciliation-notice", "manager", "case", audited="case invoice"),
    Read("reminder-letter", "billing", "reminder", audited="notice invoice"),
    Read("api-patient-detail", "billing", "patient"),
    Read("api-invoice-detail", "billing", "invoice"),
    Read("api-invoice-pdf", "billing", "invoice"),
    Read("api-complaint-detail", "billing", "complaint"),
    Read("portal-bill", "patient", "invoice"),
    Read("portal-bill-pdf", "patient", "invoice"),
    Read("portal-complaint", "patient", "complaint"),
    Read("portal-complaint-letter", "patient", "complaint"),
    # A credit note is a document of the invoice it credits: the read is audited on that invoice.
    Read("credit-note-pdf", "billing", "credit note", audited="invoice"),
    Read("api-credit-note-detail", "billing", "credit note", audited="invoice"),
    Read("api-credit-note-pdf", "billing", "credit note", audited="invoice"),
    Read("portal-credit-note-pdf", "patient", "credit note", audited="invoice"),
]


@pytest.fixture
def world(billing) -> dict[str, Any]:
    """One Norwegian patient with a closed complaint on one invoice and a final notice and case on another."""
    patient = letter_patient(language="en", user=UserFactory(username="astrid@example.org"))
    invoice = issued_invoice(patient)
    complaint = dispute_services.complaint_file(
        patient_id=patient.pk,
        invoice_id=invoice.pk,
        line_ids=[],
        channel="phone",
        category="invoice_question",
        description="What is this bill for?",
        by=billing,
    )
    dispute_services.complaint_close(
        complaint_id=complaint.pk, by=billing, outcome="explained", prevention_note="Clearer line names."
    )
    overdue = issue(patient)
    due = overdue.due_date
    run_day(due + timedelta(days=1))
    run_day(due + timedelta(days=16))
    [final_notice] = run_day(due + timedelta(days=31))
    run_day(due + timedelta(days=46))
    case = CollectionCase.objects.get(invoice=overdue)
    correction = invoice_services.invoice_credit(invoice_id=invoice.pk, amount="10.00", reason="price", by=billing)
    return {
        "credit note": CreditNote.objects.get(ledger_entry=correction),
        "patient": patient,
        "invoice": invoice,
        "complaint": complaint,
        "case": case,
        "reminder": final_notice,
        "case invoice": case.invoice,
        "notice invoice": final_notice.invoice,
    }


def _kwargs(read: Read, world: dict[str, Any]) -> dict[str, int]:
    names = {
        "patient": "patient_id",
        "invoice": "invoice_id",
        "complaint": "complaint_id",
        "case": "case_id",
        "reminder": "reminder_id",
        "credit note": "credit_note_id",
    }
    kwargs = {names[read.record]: world[read.record].pk}
    if read.route.startswith("portal-"):
        kwargs["patient_id"] = world["patient"].pk
    if read.route == "portal-credit-note-pdf":
        kwargs["invoice_id"] = world["credit note"].invoice_id
    return kwargs


@pytest.mark.parametrize("read", READS, ids=[read.route for read in READS])
def test_the_read_leaves_an_audit_row_naming_who_what_and_from_where(read, world, request, client_for):
    reader = world["patient"].user if read.reader == "patient" else request.getfixturevalue(read.reader)
    record: Model = world[read.audited or read.record]
    LogEntry.objects.filter(action=LogEntry.Action.ACCESS).delete()

    response = client_for(reader).get(reverse(read.route, kwargs=_kwargs(read, world)), REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200, response.content[:300]
    entry = LogEntry.objects.get_for_object(record).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == reader
    assert entry.remote_addr == ADDRESS
    assert entry.timestamp is not None


# Routes ending like a record's page that show no one patient's records: policy, schedules, help, API docs,
# the print batch (audited per letter by reminder-letter's code path), the public price estimate.
NOT_A_PATIENTS_RECORD = ("policy-", "schedule-", "help-", "api-schema", "api-docs", "print-batch", "portal-estimate")


def test_every_read_route_of_a_patients_records_is_listed():
    """A new page or document about a patient's records joins READS, so its audit row is proven too."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def names(resolver: URLResolver) -> set[str]:
        found: set[str] = set()
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                found |= names(pattern)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.add(pattern.name)
        return found

    showing_one_record = {
        name
        for name in names(get_resolver())
        if name.endswith(("-detail", "-pdf", "-letter", "-summary", "-notice"))
        and not name.startswith(NOT_A_PATIENTS_RECORD)
        and "quick-pay" not in name
    } | {"portal-bill", "portal-complaint"}
    assert showing_one_record == {read.route for read in READS}
