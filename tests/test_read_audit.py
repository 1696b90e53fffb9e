"""Every read of a patient's account, invoice, complaint, case or document leaves an audit row: who, what, where.

One row per route that shows a patient's records, by staff, through the API and in the portal. A route that
stopped calling `log_read` fails here.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinic_billing import read_audit
from disputes import services as dispute_services
from disputes.models import AdjustmentRequest, ProposalKind, Role
from invoices import services as invoice_services
from invoices.models import CreditNote
from patient_collections.models import CollectionCase, FollowUpCall, PortalMessage
from payments_in.models import BankFile, BankTransaction, QueueReason
from portal import services as portal_services
from tests.factories import (
    ProxyFactory,
    UserFactory,
    invoice_with_credit,
    issue,
    issued_invoice,
    kept_estimate,
    patient_with_address,
    run_day,
)

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


@dataclass(frozen=True)
class Read:
    route: str
    reader: str  # "billing", "manager" or "patient"
    record: str  # which record of the world the URL names
    audited: str = ""  # the record the audit row names, when not the URL's (a case's or a notice's invoice)


READS = [
    Read("frontdesk:patient-detail", "billing", "patient"),
    Read("frontdesk:invoice-detail", "billing", "invoice"),
    Read("invoices:invoice-pdf", "billing", "invoice"),
    Read("disputes:complaint-detail", "billing", "complaint"),
    Read("disputes:complaint-letter", "billing", "complaint"),
    Read("collections:case-detail", "manager", "case", audited="case invoice"),
    Read("collections:case-summary", "manager", "case", audited="case invoice"),
    Read("collections:case-conciliation-notice", "manager", "case", audited="case invoice"),
    Read("collections:reminder-letter", "billing", "reminder", audited="notice invoice"),
    Read("api-patient-detail", "billing", "patient"),
    Read("api-invoice-detail", "billing", "invoice"),
    Read("api-invoice-pdf", "billing", "invoice"),
    Read("api-complaint-detail", "billing", "complaint"),
    Read("portal:portal-bill", "patient", "invoice"),
    Read("portal:portal-bill-pdf", "patient", "invoice"),
    Read("portal:portal-complaint", "patient", "complaint"),
    Read("portal:portal-complaint-letter", "patient", "complaint"),
    # A credit note is a document of the invoice it credits: the read is audited on that invoice.
    Read("invoices:credit-note-pdf", "billing", "credit note", audited="invoice"),
    Read("api-credit-note-detail", "billing", "credit note", audited="invoice"),
    Read("api-credit-note-pdf", "billing", "credit note", audited="invoice"),
    Read("portal:portal-credit-note-pdf", "patient", "credit note", audited="invoice"),
    Read("invoices:patient-statement", "billing", "patient"),
    Read("api-patient-statement", "billing", "patient"),
    Read("portal:portal-statement", "patient", "patient"),
]


@pytest.fixture
def world(billing) -> dict[str, Any]:
    """One Norwegian patient with a closed complaint on one invoice and a final notice and case on another."""
    patient = patient_with_address(language="en", user=UserFactory(username="astrid@example.org"))
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
    if read.route.startswith("portal:portal-"):
        kwargs["patient_id"] = world["patient"].pk
    if read.route == "portal:portal-credit-note-pdf":
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


@dataclass(frozen=True)
class ListRead:
    route: str
    reader: str
    audited: str  # the record of the world an audit row must name
    query: tuple[tuple[str, str], ...] = ()  # (parameter, record of the world whose id it takes)


# The lists, exports and pages issue 12 item 4 found unaudited.
LIST_READS = [
    ListRead("api-payment-plan-list", "billing", "invoice", (("invoice", "invoice"),)),
    ListRead("api-reminder-list", "billing", "notice invoice", (("invoice", "notice invoice"),)),
    ListRead("api-follow-up-call-list", "billing", "patient", (("patient", "patient"),)),
    ListRead("api-collection-case-list", "manager", "case invoice"),
    ListRead("api-adjustment-list", "manager", "invoice"),
    ListRead("api-patient-list", "billing", "patient"),
    ListRead("api-invoice-list", "billing", "invoice"),
    ListRead("api-complaint-list", "billing", "complaint"),
    ListRead("api-payment-list", "billing", "invoice"),
    ListRead("api-reminder-sync", "billing", "notice invoice"),
    ListRead("api-event-list", "billing", "patient"),
    ListRead(
        "disputes:complaint-invoice-lines", "billing", "invoice", (("patient", "patient"), ("invoice", "invoice"))
    ),
    ListRead("collections:call-list", "billing", "patient"),
    ListRead("collections:case-list", "manager", "case invoice"),
    ListRead("collections:aging-report-csv", "manager", "patient"),
    ListRead("portal:portal-callback", "patient", "patient"),
]


@pytest.mark.parametrize("read", LIST_READS, ids=[read.route for read in LIST_READS])
def test_a_list_leaves_an_audit_row_for_each_record_it_shows(read, wider_world, request, client_for):
    patient = wider_world["patient"]
    reader = patient.user if read.reader == "patient" else request.getfixturevalue(read.reader)
    kwargs = {"patient_id": patient.pk} if read.route.startswith("portal:portal-") else {}
    query = {parameter: wider_world[record].pk for parameter, record in read.query}
    LogEntry.objects.filter(action=LogEntry.Action.ACCESS).delete()

    response = client_for(reader).get(reverse(read.route, kwargs=kwargs), query, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200, response.content[:300]
    entries = LogEntry.objects.get_for_object(wider_world[read.audited]).filter(action=LogEntry.Action.ACCESS)
    assert entries.filter(actor=reader, remote_addr=ADDRESS).exists()


# --- Discovery: every route of the URLconf is declared, and the declaration holds -------------------------

ROUTES = dict(read_audit.routes())
STAFF_ROLES = ["front_desk", "billing", "office_manager", "provider"]


def test_every_route_is_declared_as_showing_patient_records_or_not():
    """A new route joins SHOWS_PATIENT_RECORDS (and audits its reads) or SHOWS_NO_PATIENT_RECORDS."""
    assert read_audit.undeclared_routes() == set()
    declared = read_audit.SHOWS_PATIENT_RECORDS | read_audit.SHOWS_NO_PATIENT_RECORDS
    assert declared <= set(ROUTES), "a declared route no longer exists"
    assert not read_audit.SHOWS_PATIENT_RECORDS & read_audit.SHOWS_NO_PATIENT_RECORDS


def test_a_route_left_undeclared_fails_the_discovery(monkeypatch):
    names = sorted(read_audit.SHOWS_NO_PATIENT_RECORDS)
    monkeypatch.setattr(read_audit, "SHOWS_NO_PATIENT_RECORDS", frozenset(names[1:]))
    assert read_audit.undeclared_routes() == {names[0]}


def test_the_read_audit_covers_every_patient_route_tested_above():
    """Every route of READS is declared as showing patient records."""
    assert {read.route for read in READS} <= read_audit.SHOWS_PATIENT_RECORDS


# What a route needs in its query string to show the world's records, beyond `invoice` and `patient`.
QUERIES = {"collections:case-agency-export": {"status": CollectionCase.Status.PROPOSED}}
# Routes declared to show a patient's records that do not show them when opened on this world, and why. Every
# other declared route must answer 200 here, so its audit row is checked, not skipped.
NOT_SHOWN_HERE = {
    "frontdesk:patient-search": "one match: it redirects to the patient's page",
    "portal:portal-home": "it redirects to the patient's bills",
    "portal:portal-deferral": "the world's invoice has no deferral",
    "portal:portal-payment-plan": "the world's invoice has no payment plan",
    "portal:portal-quick-pay": "the world holds no quick-pay link",
    "portal:portal-quick-pay-pdf": "the world holds no quick-pay link",
    "portal:portal-payment-return": "the world holds no online payment: it redirects to the bill",
    "payments:pay-link": "the world holds no pay-online link",
    "payments:pay-link-paid": "the world holds no pay-online link",
    "invoices:credit-apply": "the case's invoice has no credit to apply",
    "invoices:refund-request": "the case's invoice has no credit to refund",
    "frontdesk:patient-proxy-document": "the world's proxy has no uploaded document",
    "api-invoice-refund-create": "a POST (its GET answers 405): the refund it asks for is audited as read",
}


def _url(name: str, world: dict[str, Any]) -> str | None:
    """The route's URL for the world's records, or None when its arguments name nothing the world has."""
    values = {
        "patient_id": world["patient"].pk,
        "invoice_id": world["case invoice"].pk,
        "complaint_id": world["complaint"].pk,
        "case_id": world["case"].pk,
        "reminder_id": world["reminder"].pk,
        "call_id": world["call"].pk,
        "request_id": world["callback"].pk,
        "message_id": world["message"].pk,
        "version": 1,
        "slug": "no-such-article",
        "token": "no-such-token",
        "proxy_id": world["proxy"].pk,
        "user_id": world["staff"].pk,
        "adjustment_id": 0,
        "article_id": 0,
        "estimate_id": world["estimate"].pk,
        "uidb64": "x",
    }
    pattern = ROUTES[name].pattern
    arguments = set(pattern.converters) | set(pattern.regex.groupindex)
    if not arguments <= set(values):
        return None
    try:
        return reverse(name, kwargs={argument: values[argument] for argument in arguments})
    except NoReverseMatch:
        return None


@pytest.fixture
def wider_world(world, billing) -> dict[str, Any]:
    """The world, with a follow-up call of the closed complaint, a portal message, a proxy, a payment and a staff
    member who holds every role (so every staff page opens)."""
    patient = world["patient"]
    staff = UserFactory(username="alma_allroles", roles=STAFF_ROLES)
    call = FollowUpCall.objects.filter(patient=patient).first() or FollowUpCall.objects.create(
        patient=patient, invoice=world["invoice"], due_at=timezone.now()
    )
    message = PortalMessage.objects.create(patient=patient, subject="Reminder", body="Your bill is overdue.")
    dispute_services.complaint_file(
        patient_id=patient.pk,
        invoice_id=world["invoice"].pk,
        line_ids=[],
        channel="phone",
        category="invoice_question",
        description="And what is this line?",
        by=billing,
    )
    AdjustmentRequest.objects.create(
        complaint=world["complaint"],
        invoice=world["invoice"],
        kind=ProposalKind.REDUCTION,
        amount=Decimal("10.00"),
        reason="Waited too long.",
        required_role=Role.OFFICE_MANAGER,
        requested_by=billing,
    )
    bank_file = BankFile.objects.create(
        filename="camt054.xml", sha256="0" * 64, size=1, source="upload", imported_at=timezone.now()
    )
    BankTransaction.objects.create(  # a payment of the settled invoice, waiting in billing's queue
        bank_file=bank_file,
        transaction_id="camt:world",
        amount=Decimal("1.00"),
        currency="NOK",
        booked_on=timezone.localdate(),
        status=BankTransaction.Status.QUEUED,
        queue_reason=QueueReason.ALREADY_SETTLED,
        invoice=world["invoice"],
    )
    invoice_with_credit(patient)  # the refunds page lists the patient's credit
    invoice_services.payment_record(
        invoice_id=world["invoice"].pk, amount="20.00", payer="patient", method="card", by=billing
    )
    callback = portal_services.callback_request_create(
        patient_id=patient.pk, request_key="read-audit-callback", request_note="Please call me about my bill."
    )
    estimate = kept_estimate(patient)  # the patient's good-faith estimate, kept for 6 years
    return {
        **world,
        "estimate": estimate,
        "staff": staff,
        "call": call,
        "callback": callback,
        "message": message,
        "proxy": ProxyFactory(patient=patient),
    }


def _shows_the_patient(content: bytes, patient) -> bool:
    text = content.decode("utf-8", errors="replace")
    return patient.name in text or (bool(patient.email) and patient.email in text)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_a_page_that_shows_a_patients_records_leaves_an_audit_row(name, wider_world, client_for):
    """Each route, opened by whoever may open it: if it shows the patient, it is declared and leaves a row."""
    url = _url(name, wider_world)
    if url is None:
        pytest.skip(f"{name}: its arguments name nothing the world has")
    patient = wider_world["patient"]
    portal = url.startswith("/portal/") and not url.startswith(("/portal/manage/", "/portal/staff/"))
    reader = patient.user if portal else wider_world["staff"]
    query = {
        "invoice": wider_world["case invoice"].pk,
        "patient": patient.pk,
        "q": patient.name,
        "day": timezone.localdate(wider_world["reminder"].sent_at).isoformat(),
        **QUERIES.get(name, {}),
    }
    LogEntry.objects.filter(action=LogEntry.Action.ACCESS).delete()

    response = client_for(reader).get(url, query, REMOTE_ADDR=ADDRESS)

    audited = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=reader, remote_addr=ADDRESS).exists()
    if name in read_audit.SHOWS_PATIENT_RECORDS:
        shown = name not in NOT_SHOWN_HERE
        assert (response.status_code == 200) == shown, f"{name} answers {response.status_code}"
        assert audited or not shown, f"{name} shows a patient's records without an audit row"
    if name in read_audit.SHOWS_NO_PATIENT_RECORDS:
        assert not _shows_the_patient(response.content, patient), f"{name} shows the patient but is declared not to"
