"""The authorisation matrix as data: who may use which URL, with which method, on whose object.

Every named route of the root URLconf appears in `ROUTES` (tests/test_permission_matrix.py fails for a route
that does not), so a new route cannot ship before someone decides who may use it. The expected outcomes come
from the design (DESIGN.md: staff roles, the portal's permission boundary, the staff-only API) and the
role permissions the migrations grant ("least privilege: a role gets what its work needs"), not from what the
views happen to do.

Personas: the four staff roles, a patient, a proxy (granted by that patient) and an anonymous visitor.
Objects: "own" is the patient's (for the proxy: the patient who granted access), "other" another patient's.
Staff work for the whole clinic, so for them both are ordinary objects of the clinic.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from disputes import services as dispute_services
from disputes.models import AdjustmentRequest, Complaint
from invoices import services as invoice_services
from invoices.models import CreditNote, Invoice, LedgerEntry, RefundRequest
from online_payments.models import CheckoutSession
from online_payments.quick_pay import pay_link_token
from patient_collections import services as collection_services
from patient_collections.models import (
    CollectionCase,
    Deferral,
    FollowUpCall,
    PaymentPlan,
    PaymentPromise,
    PortalMessage,
    Reminder,
)
from patients.models import AuthorisedProxy, ContactChange, Patient
from payments_in.models import BankFile, BankTransaction, QueueReason
from portal import services as portal_services
from portal.invitations import invitation_create
from portal.models import HelpArticle
from portal.quick_pay import quick_pay_token
from tests.factories import (
    PatientFactory,
    ProxyFactory,
    UserFactory,
    at,
    catalogue_service,
    complaint_about,
    draft_invoice,
    invoice_with_credit,
    kept_estimate,
    overdue_invoice,
    sent_notice,
)

# --- Personas and outcomes ----------------------------------------------------------------------------------

FRONT_DESK, BILLING, MANAGER, PROVIDER = "front_desk", "billing", "office_manager", "provider"
PATIENT, PROXY, ANONYMOUS = "patient", "proxy", "anonymous"
STAFF = (FRONT_DESK, BILLING, MANAGER, PROVIDER)
PERSONAS = (*STAFF, PATIENT, PROXY, ANONYMOUS)
OWN, OTHER, NO_OBJECT = "own", "other", "-"


class Outcome(StrEnum):
    # The view acted, or reached its own checks of the input: 2xx, a 3xx that is not to a login page (also one
    # whose error message complains about the input, as an empty POST gets), or 400/422.
    ALLOWED = "allowed"
    # The view turned the caller away: 403; for anonymous a redirect to the (staff or portal) login page, or API
    # 401/403.
    REFUSED = "refused"
    # The caller reached the view (their role holds its permission), but the domain refused them on this object
    # and the page says why: the service's PermissionDenied shown as an error message, and nothing done.
    REFUSED_WITH_MESSAGE = "refused_with_message"
    NOT_FOUND = "not_found"  # 404: the portal answers 404 for anything the user may not see (portal/access.py)


ALLOWED, REFUSED, NOT_FOUND = Outcome.ALLOWED, Outcome.REFUSED, Outcome.NOT_FOUND
REFUSED_WITH_MESSAGE = Outcome.REFUSED_WITH_MESSAGE


# --- Sentinels: clinical words collections work must never show ----------------------------------------------

CLINICAL_SENTINELS = {
    "complaint_description": "SENTINEL-DESCRIPTION: the doctor missed my asthma diagnosis",
    "closed_description": "SENTINEL-CLOSED-DESCRIPTION: the wound care was wrong",
    "adjustment_description": "SENTINEL-ADJUSTMENT-DESCRIPTION: the stitches were done badly",
    "resolution_note": "SENTINEL-RESOLUTION: the provider reviewed the treatment record",
    "prevention_note": "SENTINEL-PREVENTION: the provider rechecks the diagnosis with a colleague",
    "callback_note": "SENTINEL-CALLBACK: question about my blood test results",
}
SERVICE_DESCRIPTION = "Consultation with a general practitioner"
CONTACT_CHANGE_TOKEN = "matrix-contact-change-token"


# --- The world: two patients with one of everything each, four staff members, a proxy ----------------------


@dataclass
class Side:
    """One patient's objects."""

    patient: Patient
    invoice: Invoice  # issued, overdue, owed by the patient: bills, payments, reminders, a case
    draft: Invoice
    plan_invoice: Invoice
    deferral_invoice: Invoice
    complaint: Complaint  # open, clinical
    closed_complaint: Complaint  # closed, with a resolution letter
    adjustment: AdjustmentRequest  # pending write-off, awaiting the office manager
    plan: PaymentPlan
    deferral: Deferral
    reminder: Reminder  # a sent letter
    case: CollectionCase
    call: FollowUpCall  # a callback request from the portal
    message: PortalMessage
    grant: AuthorisedProxy
    quick_pay_token: str
    pay_link_token: str  # the pay-online link of `invoice` (online_payments.quick_pay)
    checkout: CheckoutSession  # an online payment of `invoice`, paid (its receipt)
    credit_note: CreditNote  # a correction of the closed complaint's invoice
    contact_change: ContactChange  # an email change by someone other than the patient, not confirmed yet
    bank_transaction: BankTransaction  # a bank payment naming `invoice`, waiting in billing's queue
    credit_invoice: Invoice  # overpaid: a credit to apply or refund
    refund: RefundRequest  # a refund of part of that credit, asked for by billing, waiting for the office manager
    promise: PaymentPromise  # the patient promised to pay the overdue invoice in a week


@dataclass
class World:
    users: dict[str, User | None]  # persona -> User (None for anonymous)
    sides: dict[str, Side]  # OWN / OTHER
    help_article: HelpArticle
    invitation_token: str
    refund_batch_id: int  # a credit transfer file of the clinic's, with the own patient's refund in it
    estimate_id: int  # a good-faith estimate the own patient asked for in the portal
    service_id: int  # a service of the catalogue
    policy_version: int = 1
    contact_change_token: str = CONTACT_CHANGE_TOKEN


LINES = [
    ("GP1", SERVICE_DESCRIPTION, "1", "500.00", "patient"),
    ("MAT", "Dressing materials", "2", "35.50", "patient"),
]


def _words(sentinel: str, tag: str) -> str:
    return f"{CLINICAL_SENTINELS[sentinel]} [{tag}]"


def _side(patient: Patient, *, proxy_user: User, staff: dict[str, User], tag: str) -> Side:
    invoice = overdue_invoice(patient, days=60, lines=LINES)
    day = timezone.localdate() - timedelta(days=5)
    reminder = sent_notice(invoice, sent_at=at(day))
    case = CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)
    complaint = complaint_about(
        invoice, description=_words("complaint_description", tag), category="care_quality", by=staff[FRONT_DESK]
    )

    closed_invoice = overdue_invoice(patient, days=30, lines=LINES)
    closed = complaint_about(
        closed_invoice, description=_words("closed_description", tag), category="invoice_question", by=staff[FRONT_DESK]
    )
    dispute_services.complaint_mark_met(complaint_id=closed.pk, by=staff[FRONT_DESK])  # type: ignore[arg-type]
    closed = dispute_services.complaint_close(
        complaint_id=closed.pk,
        outcome="explained",
        prevention_note=_words("prevention_note", tag),
        resolution_note=_words("resolution_note", tag),
        by=staff[MANAGER],  # type: ignore[arg-type]
    )
    correction = invoice_services.invoice_credit(
        invoice_id=closed_invoice.pk, amount="10.00", reason="Price corrected", by=staff[BILLING]
    )

    adjustment_invoice = overdue_invoice(patient, days=20, lines=LINES)
    adjusted = complaint_about(
        adjustment_invoice,
        description=_words("adjustment_description", tag),
        category="care_quality",
        by=staff[FRONT_DESK],
    )
    adjustment = dispute_services.complaint_accept_proposal(complaint_id=adjusted.pk, by=staff[FRONT_DESK])  # type: ignore[arg-type]

    plan_invoice = overdue_invoice(patient, days=10, lines=LINES)
    plan = collection_services.payment_plan_create(invoice_id=plan_invoice.pk, instalments=3, by=staff[BILLING])  # type: ignore[arg-type]
    deferral_invoice = overdue_invoice(patient, days=10, lines=LINES)
    deferral = collection_services.deferral_create(
        invoice_id=deferral_invoice.pk,
        until=timezone.localdate() + timedelta(days=20),
        by=staff[BILLING],  # type: ignore[arg-type]
    )
    call = portal_services.callback_request_create(
        patient_id=patient.pk, request_key=f"callback-{tag}", request_note=_words("callback_note", tag)
    )
    message = PortalMessage.objects.create(patient=patient, subject=f"Reminder for {tag}", body="Please pay.")
    grant = cast(
        AuthorisedProxy,
        ProxyFactory(
            patient=patient,
            user=proxy_user,
            name=f"Proxy of {tag}",
            document=ContentFile(b"%PDF-1.4 signed power of attorney", name=f"fullmakt-{tag}.pdf"),
        ),
    )
    credit_invoice = invoice_with_credit(patient, "100.00")
    refund = invoice_services.refund_request_create(
        invoice_id=credit_invoice.pk, amount="30.00", payee=REFUND_PAYEE, by=staff[BILLING]
    )
    return Side(
        patient=patient,
        invoice=invoice,
        draft=draft_invoice(patient, lines=LINES),
        plan_invoice=plan_invoice,
        deferral_invoice=deferral_invoice,
        complaint=complaint,
        closed_complaint=closed,
        adjustment=adjustment,
        plan=plan,
        deferral=deferral,
        reminder=reminder,
        case=case,
        call=call,
        message=message,
        grant=grant,
        quick_pay_token=quick_pay_token(invoice),
        pay_link_token=pay_link_token(invoice),
        checkout=CheckoutSession.objects.create(
            invoice=invoice,
            amount=Decimal("10.00"),
            currency="NOK",
            provider="stripe",
            provider_session_id=f"cs_test_matrix_{tag}",
            status=CheckoutSession.Status.PAID,
            completed_at=timezone.now(),
        ),
        credit_note=CreditNote.objects.get(ledger_entry=correction),
        contact_change=ContactChange.objects.create(
            patient=patient, old_email="old@example.org", new_email=patient.email, changed_at=timezone.now()
        ),
        bank_transaction=BankTransaction.objects.create(
            bank_file=BankFile.objects.create(
                filename=f"camt054-{tag}.xml", sha256="0" * 64, size=1, source="upload", imported_at=timezone.now()
            ),
            transaction_id=f"camt:matrix-{tag}",
            amount=Decimal("5.00"),
            currency="NOK",
            booked_on=timezone.localdate(),
            status=BankTransaction.Status.QUEUED,
            queue_reason=QueueReason.ALREADY_SETTLED,
            invoice=invoice,
        ),
        credit_invoice=credit_invoice,
        refund=refund,
        promise=collection_services.payment_promise_record(
            patient_id=patient.pk,
            invoice_id=invoice.pk,
            until=timezone.localdate() + timedelta(days=7),
            by=staff[FRONT_DESK],
        ),
    )


REFUND_PAYEE = invoice_services.RefundPayee(method="bank_transfer", name="Kari Matrix", account="86011117947")


def _refund_batch(side: Side, staff: dict[str, User]) -> int:
    """A credit transfer file with one approved refund of the side's credit in it."""
    sent = invoice_services.refund_request_create(
        invoice_id=side.credit_invoice.pk, amount="20.00", payee=REFUND_PAYEE, by=staff[BILLING]
    )
    invoice_services.refund_approve(refund_id=sent.pk, by=staff[MANAGER])
    return invoice_services.refunds_export(by=staff[BILLING]).pk


def build_world() -> World:
    """Two patients with one of everything, four staff members, a proxy, an open portal invitation."""
    staff: dict[str, User] = {role: cast(User, UserFactory(username=f"matrix_{role}", roles=[role])) for role in STAFF}
    patient_user = cast(User, UserFactory(username="matrix_patient"))
    proxy_user = cast(User, UserFactory(username="matrix_proxy"))
    own_patient = cast(Patient, PatientFactory(name="Kari Matrix", user=patient_user))
    other_patient = cast(
        Patient, PatientFactory(name="Ivan Matrix", language="ru", user=cast(User, UserFactory(username="matrix_ivan")))
    )
    ivans_proxy = cast(User, UserFactory(username="matrix_ivans_proxy"))
    sides = {
        OWN: _side(own_patient, proxy_user=proxy_user, staff=staff, tag="own"),
        # The other patient's proxy is somebody else: the matrix proxy holds no grant from Ivan.
        OTHER: _side(other_patient, proxy_user=ivans_proxy, staff=staff, tag="other"),
    }
    # An invitation to a patient who has no portal account yet (activation is public: the token is the key).
    invited = cast(Patient, PatientFactory(name="Anna Matrix"))
    _invitation, token = invitation_create(patient_id=invited.pk, email=invited.email, by=None)
    # Its link (public: the token, sent to the previous address, is the key).
    ContactChange.objects.create(
        patient=invited,
        new_email=invited.email,
        changed_at=timezone.now(),
        token_hash=hashlib.sha256(CONTACT_CHANGE_TOKEN.encode()).hexdigest(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    article = HelpArticle.objects.order_by("pk").first() or HelpArticle.objects.create(
        slug="matrix", language="en", title="Matrix", body="Text"
    )
    users: dict[str, User | None] = {**staff, PATIENT: patient_user, PROXY: proxy_user, ANONYMOUS: None}
    return World(
        users=users,
        sides=sides,
        help_article=article,
        invitation_token=token,
        refund_batch_id=_refund_batch(sides[OWN], staff),
        estimate_id=kept_estimate(own_patient).pk,
        service_id=catalogue_service("MTX", "Matrix service").pk,
    )


def world_in_a_transaction(django_db_blocker: Any) -> Iterator[World]:
    """For a module-scoped fixture: the world is built once per module (and xdist worker) inside a transaction
    rolled back at the end; each test runs in a savepoint inside it (pytest-django's `db`), so every test
    starts from the same world."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- Who may do what: rules that fill a route's row --------------------------------------------------------

Expectation = Callable[[str, str], Outcome]  # (persona, OWN/OTHER/NO_OBJECT) -> outcome


def staff_page(*allowed: str, told_why: tuple[str, ...] = ()) -> Expectation:
    """A staff screen: the roles named may use it on any patient's object; the roles in `told_why` reach it but
    are refused on the world's object with a message; everyone else is refused (anonymous users go to the staff
    login page, patients and proxies get 403)."""

    def expect(persona: str, whose: str) -> Outcome:
        if persona in allowed:
            return ALLOWED
        return REFUSED_WITH_MESSAGE if persona in told_why else REFUSED

    return expect


ALL_STAFF = staff_page(*STAFF)
BANK = staff_page(BILLING, MANAGER)
staff_api = staff_page  # the API is staff-only too (patients never use it); anonymous gets 401/403


def portal_page(*, proxy: bool = True) -> Expectation:
    """A page of one patient's account: the patient and (unless `proxy=False`) their proxy on their own
    account; 404 for another patient's account and for staff, who are nobody's patient; anonymous visitors
    go to the portal's sign-in page."""

    def expect(persona: str, whose: str) -> Outcome:
        if persona == ANONYMOUS:
            return REFUSED
        if whose == OWN and (persona == PATIENT or (persona == PROXY and proxy)):
            return ALLOWED
        return NOT_FOUND

    return expect


def public(persona: str, whose: str) -> Outcome:
    return ALLOWED


def public_in_the_us(persona: str, whose: str) -> Outcome:
    """The good-faith estimate exists only under the US profile (a No Surprises Act notice)."""
    return ALLOWED if settings.BILLING_JURISDICTION == "US" else NOT_FOUND


def public_when_online_payment_is_on(persona: str, whose: str) -> Outcome:
    """The provider's webhook: it answers anyone (the provider's signature is its authentication, a request
    without it is a 400), and is not found while online payment is off."""
    return ALLOWED if settings.ONLINE_PAYMENT_PROVIDER else NOT_FOUND


def patients_only(persona: str, whose: str) -> Outcome:
    """Portal settings of the signed-in person: patients and proxies; staff use the staff pages (403)."""
    if persona == ANONYMOUS:
        return REFUSED
    return ALLOWED if persona in (PATIENT, PROXY) else REFUSED


def signed_in(persona: str, whose: str) -> Outcome:
    return REFUSED if persona == ANONYMOUS else ALLOWED


def proxy_reads_only(persona: str, whose: str) -> Outcome:
    """The contact page: a proxy sees it read-only, so a proxy's POST is refused (403)."""
    if persona == PROXY and whose == OWN:
        return REFUSED
    return portal_page()(persona, whose)


# --- The routes ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL name: how to build its kwargs for a side, and the expectation per method."""

    methods: dict[str, Expectation]
    kwargs: Callable[[World, Side], dict[str, object]] | None = None  # None: the route names no object
    query: Callable[[World, Side], dict[str, str]] | None = None
    xfail: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (method, whose, persona) -> reason
    per_patient: bool = True  # False: the kwargs name something of the clinic's (an article, a staff member)

    @property
    def has_object(self) -> bool:
        return self.per_patient and (self.kwargs is not None or self.query is not None)


def _invoice(w: World, s: Side) -> dict[str, object]:
    return {"invoice_id": s.invoice.pk}


def _draft(w: World, s: Side) -> dict[str, object]:
    return {"invoice_id": s.draft.pk}


def _credit_invoice(w: World, s: Side) -> dict[str, object]:
    return {"invoice_id": s.credit_invoice.pk}


def _refund(w: World, s: Side) -> dict[str, object]:
    return {"refund_id": s.refund.pk}


def _payment(w: World, s: Side) -> dict[str, object]:
    return {"payment_id": s.credit_invoice.entries.get(kind=LedgerEntry.Kind.PATIENT_PAYMENT).pk}


def _complaint_id(w: World, s: Side) -> dict[str, object]:
    return {"complaint_id": s.complaint.pk}


def _closed_complaint_id(w: World, s: Side) -> dict[str, object]:
    return {"complaint_id": s.closed_complaint.pk}


def _adjustment(w: World, s: Side) -> dict[str, object]:
    return {"adjustment_id": s.adjustment.pk}


def _patient(w: World, s: Side) -> dict[str, object]:
    return {"patient_id": s.patient.pk}


def _bill(w: World, s: Side) -> dict[str, object]:
    return {"patient_id": s.patient.pk, "invoice_id": s.invoice.pk}


def _credit_note(w: World, s: Side) -> dict[str, object]:
    return {"credit_note_id": s.credit_note.pk}


def _portal_credit_note(w: World, s: Side) -> dict[str, object]:
    return {"patient_id": s.patient.pk, "invoice_id": s.credit_note.invoice_id, "credit_note_id": s.credit_note.pk}


def _portal_complaint(w: World, s: Side) -> dict[str, object]:
    return {"patient_id": s.patient.pk, "complaint_id": s.complaint.pk}


def _portal_closed_complaint(w: World, s: Side) -> dict[str, object]:
    return {"patient_id": s.patient.pk, "complaint_id": s.closed_complaint.pk}


def _case(w: World, s: Side) -> dict[str, object]:
    return {"case_id": s.case.pk}


def _call(w: World, s: Side) -> dict[str, object]:
    return {"call_id": s.call.pk}


def _bank_file(w: World, s: Side) -> dict[str, object]:
    return {"bank_file_id": s.bank_transaction.bank_file_id}


def _bank_transaction(w: World, s: Side) -> dict[str, object]:
    return {"transaction_pk": s.bank_transaction.pk}


def _patient_query(w: World, s: Side) -> dict[str, str]:
    return {"patient": str(s.patient.pk)}


def _invoice_query(w: World, s: Side) -> dict[str, str]:
    return {"invoice": str(s.invoice.pk)}


ROUTES: dict[str, Route] = {
    # --- Sign-in, language, API documentation: public by design ---
    "login": Route({"GET": public, "POST": public}),
    "logout": Route({"POST": public}),
    "set_language": Route({"POST": public}),
    "api-schema": Route({"GET": public}),
    "api-docs": Route({"GET": public}),
    # --- Staff: worklist, patients ---
    "frontdesk:home": Route({"GET": ALL_STAFF}),
    "frontdesk:patient-search": Route({"GET": ALL_STAFF}),
    "frontdesk:patient-detail": Route({"GET": ALL_STAFF}, kwargs=_patient),
    "frontdesk:patient-contact-edit": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_patient,
    ),
    "frontdesk:patient-new": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)}
    ),
    # Every role identifies whom they speak with before the account shows the balance (a provider too).
    "frontdesk:patient-caller": Route({"POST": ALL_STAFF}, kwargs=_patient),
    "frontdesk:patient-caller-end": Route({"POST": ALL_STAFF}, kwargs=_patient),
    "frontdesk:patient-note-add": Route({"POST": staff_page(FRONT_DESK, BILLING, MANAGER)}, kwargs=_patient),
    "frontdesk:patient-coverage-add": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_patient,
    ),
    "frontdesk:patient-invoice-new": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_patient,
    ),
    "frontdesk:patient-quick-invoice": Route(
        {"POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=lambda w, s: {"patient_id": s.patient.pk, "service": "certificate"},
    ),
    "frontdesk:patient-promise-new": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_patient,
    ),
    "frontdesk:patient-promise-withdraw": Route(
        {"POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=lambda w, s: {"patient_id": s.patient.pk, "promise_id": s.promise.pk},
    ),
    "frontdesk:patient-proxy-new": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_patient,
    ),
    "frontdesk:patient-proxy-revoke": Route(
        {"POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=lambda w, s: {"patient_id": s.patient.pk, "proxy_id": s.grant.pk},
    ),
    # The signed power of attorney: staff who see proxies (not a provider); never the portal.
    "frontdesk:patient-proxy-document": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=lambda w, s: {"patient_id": s.patient.pk, "proxy_id": s.grant.pk},
    ),
    "portal:portal-staff-invite": Route({"POST": staff_page(FRONT_DESK, BILLING, MANAGER)}, kwargs=_patient),
    "frontdesk:patient-contact-change-confirm": Route(
        {"POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=lambda w, s: {"patient_id": s.patient.pk, "change_id": s.contact_change.pk},
    ),
    "compliance:audit-log": Route({"GET": staff_page(MANAGER)}),
    "compliance:audit-log-csv": Route({"GET": staff_page(MANAGER)}),
    # --- Staff: invoices (providers read invoices; money moves by the desk, billing and the manager) ---
    "frontdesk:invoice-detail": Route({"GET": ALL_STAFF}, kwargs=_invoice),
    "invoices:invoice-pdf": Route({"GET": ALL_STAFF}, kwargs=_invoice),
    "frontdesk:invoice-payment": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_invoice,
    ),
    # The desk bills walk-in visits (issue 16): it creates and issues invoices too.
    "invoices:invoice-issue": Route({"POST": staff_page(FRONT_DESK, BILLING, MANAGER)}, kwargs=_draft),
    "invoices:invoice-insurance-settled": Route({"POST": staff_page(BILLING, MANAGER)}, kwargs=_invoice),
    "invoices:credit-note-pdf": Route({"GET": ALL_STAFF}, kwargs=_credit_note),
    "invoices:patient-statement": Route({"GET": ALL_STAFF}, kwargs=_patient),
    # --- Staff: credit and refunds (billing asks, the office manager approves; the front desk stays out) ---
    "invoices:refund-list": Route({"GET": staff_page(BILLING, MANAGER)}),
    "invoices:credit-apply": Route(
        {"GET": staff_page(BILLING, MANAGER), "POST": staff_page(BILLING, MANAGER)}, kwargs=_credit_invoice
    ),
    "invoices:refund-request": Route(
        {"GET": staff_page(BILLING, MANAGER), "POST": staff_page(BILLING, MANAGER)}, kwargs=_credit_invoice
    ),
    "invoices:refund-approve": Route({"POST": staff_page(MANAGER)}, kwargs=_refund),
    "invoices:refund-reject": Route({"POST": staff_page(MANAGER)}, kwargs=_refund),
    "invoices:refund-export": Route({"POST": staff_page(BILLING, MANAGER)}),
    "invoices:refund-batch-file": Route(
        {"GET": staff_page(BILLING, MANAGER)}, kwargs=lambda w, s: {"batch_id": w.refund_batch_id}, per_patient=False
    ),
    # --- Staff: complaints ---
    "disputes:complaint-list": Route({"GET": ALL_STAFF}),
    "disputes:complaint-new": Route({"GET": ALL_STAFF, "POST": ALL_STAFF}, query=_patient_query),
    "disputes:complaint-invoice-lines": Route({"GET": ALL_STAFF}, query=_patient_query),
    "disputes:complaint-detail": Route({"GET": ALL_STAFF}, kwargs=_complaint_id),
    "disputes:complaint-met": Route({"POST": ALL_STAFF}, kwargs=_complaint_id),
    "disputes:complaint-accept-proposal": Route({"POST": staff_page(BILLING, MANAGER, PROVIDER)}, kwargs=_complaint_id),
    "disputes:complaint-close": Route({"POST": staff_page(BILLING, MANAGER, PROVIDER)}, kwargs=_complaint_id),
    "disputes:complaint-letter": Route({"GET": ALL_STAFF}, kwargs=_closed_complaint_id),
    "disputes:adjustment-queue": Route({"GET": staff_page(BILLING, MANAGER)}),
    # Billing holds the approval permission, but the world's write-off is above the threshold: the page tells
    # billing that only the office manager may decide it (the API answers 403, below).
    "disputes:adjustment-approve": Route({"POST": staff_page(MANAGER, told_why=(BILLING,))}, kwargs=_adjustment),
    "disputes:adjustment-reject": Route({"POST": staff_page(BILLING, MANAGER)}, kwargs=_adjustment),
    # --- Staff: the office manager's policy and reports ---
    "office:policy-detail": Route({"GET": staff_page(MANAGER)}),
    "office:policy-edit": Route({"GET": staff_page(MANAGER), "POST": staff_page(MANAGER)}),
    "office:policy-version": Route(
        {"GET": staff_page(MANAGER)}, kwargs=lambda w, s: {"version": w.policy_version}, per_patient=False
    ),
    "office:complaint-report": Route({"GET": staff_page(MANAGER)}),
    "office:complaint-report-csv": Route({"GET": staff_page(MANAGER)}),
    # --- Staff: collections (never providers: "what is this invoice for" goes to the provider, never to
    # collections, and collections work is billing's) ---
    "collections:call-list": Route({"GET": ALL_STAFF}),
    "collections:call-outcome": Route({"POST": ALL_STAFF}, kwargs=_call),
    "collections:call-write-instead": Route({"POST": ALL_STAFF}, kwargs=_call),
    "collections:call-request-note": Route({"GET": ALL_STAFF}, kwargs=_call),
    "collections:invoice-payment-plan": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_invoice,
    ),
    "collections:invoice-deferral": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(FRONT_DESK, BILLING, MANAGER)},
        kwargs=_invoice,
    ),
    "collections:reminder-letter": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER)}, kwargs=lambda w, s: {"reminder_id": s.reminder.pk}
    ),
    "collections:reminder-confirm-sent": Route(
        {"POST": staff_page(BILLING, MANAGER)}, kwargs=lambda w, s: {"reminder_id": s.reminder.pk}
    ),
    "collections:reminder-resend": Route(
        {"POST": staff_page(BILLING, MANAGER)}, kwargs=lambda w, s: {"reminder_id": s.reminder.pk}
    ),
    "collections:schedule-detail": Route({"GET": staff_page(MANAGER)}),
    "collections:schedule-edit": Route({"GET": staff_page(MANAGER), "POST": staff_page(MANAGER)}),
    # A provider opens cases to decide credit or the conciliation board (issue 11 item 3); not the agency file.
    "collections:case-list": Route({"GET": staff_page(BILLING, MANAGER, PROVIDER)}),
    "collections:case-agency-export": Route({"GET": staff_page(BILLING, MANAGER)}),
    "collections:case-detail": Route({"GET": staff_page(BILLING, MANAGER, PROVIDER)}, kwargs=_case),
    "collections:case-decide": Route({"POST": staff_page(MANAGER, PROVIDER)}, kwargs=_case),
    "collections:case-conciliation-notice": Route({"GET": staff_page(BILLING, MANAGER, PROVIDER)}, kwargs=_case),
    "collections:case-conciliation-notice-sent": Route({"POST": staff_page(MANAGER, PROVIDER)}, kwargs=_case),
    "collections:case-summary": Route({"GET": staff_page(BILLING, MANAGER, PROVIDER)}, kwargs=_case),
    "collections:print-batch": Route({"GET": staff_page(FRONT_DESK, BILLING, MANAGER)}),
    "collections:print-batch-pdf": Route({"GET": staff_page(FRONT_DESK, BILLING, MANAGER)}),
    "collections:print-batch-record": Route({"POST": staff_page(BILLING, MANAGER)}),
    "collections:aging-report": Route({"GET": staff_page(BILLING, MANAGER)}),
    "collections:aging-report-csv": Route({"GET": staff_page(BILLING, MANAGER)}),
    # --- Staff: help articles for the portal ---
    "portal:help-article-list": Route({"GET": staff_page(BILLING, MANAGER)}),
    # --- Staff: the good-faith estimates kept for 6 years (billing answers disputes; the office manager) ---
    "portal:estimate-list": Route({"GET": staff_page(BILLING, MANAGER)}),
    "portal:estimate-pdf": Route(
        {"GET": staff_page(BILLING, MANAGER)},
        kwargs=lambda w, s: {"estimate_id": w.estimate_id},
        per_patient=False,
    ),
    "portal:help-article-edit": Route(
        {"GET": staff_page(BILLING, MANAGER), "POST": staff_page(BILLING, MANAGER)},
        kwargs=lambda w, s: {"article_id": w.help_article.pk},
        per_patient=False,
    ),
    # The world's article exists in its language, so the page opens its editor (a redirect, not a login).
    "portal:help-article-translate": Route(
        {"GET": staff_page(BILLING, MANAGER), "POST": staff_page(BILLING, MANAGER)},
        kwargs=lambda w, s: {"slug": w.help_article.slug, "language": w.help_article.language},
        per_patient=False,
    ),
    # --- Staff: the service catalogue (everyone who bills reads it; the office manager edits it) ---
    "catalogue:service-list": Route({"GET": staff_page(FRONT_DESK, BILLING, MANAGER)}),
    "catalogue:service-new": Route({"GET": staff_page(MANAGER), "POST": staff_page(MANAGER)}),
    "catalogue:service-detail": Route(
        {"GET": staff_page(FRONT_DESK, BILLING, MANAGER), "POST": staff_page(MANAGER)},
        kwargs=lambda w, s: {"service_id": w.service_id},
        per_patient=False,
    ),
    "catalogue:service-price-new": Route(
        {"POST": staff_page(MANAGER)}, kwargs=lambda w, s: {"service_id": w.service_id}, per_patient=False
    ),
    # --- API v1: staff only, one permission per operation ---
    "api-patient-list": Route({"GET": staff_api(*STAFF), "POST": staff_api(FRONT_DESK, BILLING, MANAGER)}),
    "api-patient-detail": Route(
        {"GET": staff_api(*STAFF), "PATCH": staff_api(FRONT_DESK, BILLING, MANAGER)}, kwargs=_patient
    ),
    "api-patient-statement": Route({"GET": staff_api(*STAFF)}, kwargs=_patient),
    "api-invoice-list": Route({"GET": staff_api(*STAFF), "POST": staff_api(FRONT_DESK, BILLING, MANAGER)}),
    "api-payment-list": Route({"GET": staff_api(*STAFF)}),
    "api-event-list": Route({"GET": staff_api(*STAFF)}),
    "api-reminder-sync": Route({"GET": staff_api(FRONT_DESK, BILLING, MANAGER)}),
    "api-invoice-detail": Route({"GET": staff_api(*STAFF)}, kwargs=_invoice),
    "api-invoice-issue": Route({"POST": staff_api(FRONT_DESK, BILLING, MANAGER)}, kwargs=_draft),
    "api-invoice-pdf": Route({"GET": staff_api(*STAFF)}, kwargs=_invoice),
    "api-credit-note-detail": Route({"GET": staff_api(*STAFF)}, kwargs=_credit_note),
    "api-credit-note-pdf": Route({"GET": staff_api(*STAFF)}, kwargs=_credit_note),
    "api-invoice-payment-create": Route({"POST": staff_api(FRONT_DESK, BILLING, MANAGER)}, kwargs=_invoice),
    "api-invoice-insurance-settled": Route({"POST": staff_api(BILLING, MANAGER)}, kwargs=_invoice),
    # Corrections (issue 19, item 5): as on the staff screens, crediting, reversing and refunds are billing's
    # and the office manager's; cancelling a draft is theirs too.
    "api-invoice-void": Route({"POST": staff_api(BILLING, MANAGER)}, kwargs=_draft),
    "api-invoice-credit-note-create": Route({"POST": staff_api(BILLING, MANAGER)}, kwargs=_invoice),
    "api-invoice-refund-create": Route({"POST": staff_api(BILLING, MANAGER)}, kwargs=_credit_invoice),
    "api-refund-detail": Route({"GET": staff_api(BILLING, MANAGER)}, kwargs=_refund),
    "api-payment-reverse": Route({"POST": staff_api(BILLING, MANAGER)}, kwargs=_payment),
    "api-complaint-list": Route({"GET": staff_api(*STAFF), "POST": staff_api(*STAFF)}),
    "api-complaint-detail": Route({"GET": staff_api(*STAFF)}, kwargs=_complaint_id),
    "api-complaint-met": Route({"POST": staff_api(*STAFF)}, kwargs=_complaint_id),
    "api-complaint-accept-proposal": Route({"POST": staff_api(BILLING, MANAGER, PROVIDER)}, kwargs=_complaint_id),
    "api-complaint-close": Route({"POST": staff_api(BILLING, MANAGER, PROVIDER)}, kwargs=_complaint_id),
    "api-adjustment-list": Route({"GET": staff_api(BILLING, MANAGER)}),
    # The world's adjustment is a write-off above the threshold: only the office manager approves it. The API
    # answers billing 403; the staff page shows billing the refusal as a message (REFUSED_WITH_MESSAGE above).
    "api-adjustment-approve": Route({"POST": staff_api(MANAGER)}, kwargs=_adjustment),
    "api-adjustment-reject": Route({"POST": staff_api(BILLING, MANAGER)}, kwargs=_adjustment),
    "api-payment-plan-list": Route(
        {"GET": staff_api(FRONT_DESK, BILLING, MANAGER), "POST": staff_api(FRONT_DESK, BILLING, MANAGER)},
        query=_invoice_query,
    ),
    "api-invoice-defer": Route({"POST": staff_api(FRONT_DESK, BILLING, MANAGER)}, kwargs=_invoice),
    "api-reminder-list": Route({"GET": staff_api(FRONT_DESK, BILLING, MANAGER)}, query=_invoice_query),
    "api-collection-case-list": Route({"GET": staff_api(BILLING, MANAGER)}),
    "api-collection-case-decide": Route({"POST": staff_api(MANAGER, PROVIDER)}, kwargs=_case),
    "api-follow-up-call-list": Route({"GET": staff_api(*STAFF)}, query=_patient_query),
    "api-follow-up-call-outcome": Route({"POST": staff_api(*STAFF)}, kwargs=_call),
    # --- Portal: public pages ---
    "portal:portal-home": Route({"GET": signed_in}),
    "portal:portal-language": Route({"POST": public}),
    "portal:portal-login": Route({"GET": public, "POST": public}),
    "portal:portal-logout": Route({"POST": public}),
    "portal:portal-activate": Route(
        {"GET": public, "POST": public}, kwargs=lambda w, s: {"token": w.invitation_token}, per_patient=False
    ),
    "portal:portal-contact-change-confirm": Route(
        {"GET": public, "POST": public}, kwargs=lambda w, s: {"token": w.contact_change_token}, per_patient=False
    ),
    "portal:portal-password-reset": Route({"GET": public, "POST": public}),
    "portal:portal-password-reset-done": Route({"GET": public}),
    "portal:portal-password-reset-confirm": Route(
        {"GET": public, "POST": public},
        kwargs=lambda w, s: {"uidb64": "MQ", "token": "set-password"},
        per_patient=False,
    ),
    "portal:portal-password-reset-complete": Route({"GET": public}),
    # Whoever holds the printed link sees that one bill, read-only: the link is the authorisation.
    "portal:portal-quick-pay": Route({"GET": public}, kwargs=lambda w, s: {"token": s.quick_pay_token}),
    "portal:portal-quick-pay-pdf": Route({"GET": public}, kwargs=lambda w, s: {"token": s.quick_pay_token}),
    # The pay-online link of a paper bill: whoever holds it sees the bill's number and amount due, and may pay.
    "payments:pay-link": Route({"GET": public, "POST": public}, kwargs=lambda w, s: {"token": s.pay_link_token}),
    "payments:pay-link-paid": Route({"GET": public}, kwargs=lambda w, s: {"token": s.pay_link_token}),
    "payments:webhook": Route(
        {"POST": public_when_online_payment_is_on}, kwargs=lambda w, s: {"provider": "stripe"}, per_patient=False
    ),
    "portal:portal-help": Route({"GET": public}),
    "portal:portal-help-article": Route(
        {"GET": public}, kwargs=lambda w, s: {"slug": w.help_article.slug}, per_patient=False
    ),
    "portal:portal-prices": Route({"GET": public}),
    "portal:portal-estimate-pdf": Route({"POST": public_in_the_us}),
    # --- Portal: one patient's account ---
    "portal:portal-bills": Route({"GET": portal_page()}, kwargs=_patient),
    "portal:portal-bill": Route({"GET": portal_page()}, kwargs=_bill),
    "portal:portal-bill-pdf": Route({"GET": portal_page()}, kwargs=_bill),
    "portal:portal-credit-note-pdf": Route({"GET": portal_page()}, kwargs=_portal_credit_note),
    "portal:portal-statement": Route({"GET": portal_page()}, kwargs=_patient),
    "portal:portal-dispute": Route({"GET": portal_page(), "POST": portal_page()}, kwargs=_bill),
    "portal:portal-complaints": Route({"GET": portal_page()}, kwargs=_patient),
    "portal:portal-complaint": Route({"GET": portal_page()}, kwargs=_portal_complaint),
    "portal:portal-dispute-sent": Route({"GET": portal_page()}, kwargs=_portal_complaint),
    "portal:portal-complaint-letter": Route({"GET": portal_page()}, kwargs=_portal_closed_complaint),
    "portal:portal-cannot-pay": Route({"GET": portal_page(), "POST": portal_page()}, kwargs=_bill),
    "portal:portal-cannot-pay-plan": Route({"GET": portal_page(), "POST": portal_page()}, kwargs=_bill),
    "portal:portal-cannot-pay-later": Route({"GET": portal_page(), "POST": portal_page()}, kwargs=_bill),
    "portal:portal-payment-plan": Route(
        {"GET": portal_page()}, kwargs=lambda w, s: {"patient_id": s.patient.pk, "invoice_id": s.plan_invoice.pk}
    ),
    "portal:portal-deferral": Route(
        {"GET": portal_page()}, kwargs=lambda w, s: {"patient_id": s.patient.pk, "invoice_id": s.deferral_invoice.pk}
    ),
    "portal:portal-callback": Route({"GET": portal_page(), "POST": portal_page()}, kwargs=_patient),
    "portal:portal-pay-online": Route({"POST": portal_page()}, kwargs=_bill),
    "portal:portal-payment-return": Route({"GET": portal_page()}, kwargs=_bill),
    "portal:portal-payment-cancelled": Route({"GET": portal_page()}, kwargs=_bill),
    "portal:portal-payment-receipt": Route(
        {"GET": portal_page()},
        kwargs=lambda w, s: {"patient_id": s.patient.pk, "invoice_id": s.invoice.pk, "checkout_id": s.checkout.pk},
    ),
    "portal:portal-request-sent": Route(
        {"GET": portal_page()}, kwargs=lambda w, s: {"patient_id": s.patient.pk, "request_id": s.call.pk}
    ),
    "portal:portal-contact": Route({"GET": portal_page(), "POST": proxy_reads_only}, kwargs=_patient),
    # Who may speak for the patient is the patient's own decision: a proxy cannot see or change it.
    "portal:portal-proxies": Route({"GET": portal_page(proxy=False)}, kwargs=_patient),
    "portal:portal-proxy-grant": Route(
        {"GET": portal_page(proxy=False), "POST": portal_page(proxy=False)}, kwargs=_patient
    ),
    "portal:portal-proxy-revoke": Route(
        {"GET": portal_page(proxy=False), "POST": portal_page(proxy=False)},
        kwargs=lambda w, s: {"patient_id": s.patient.pk, "proxy_id": s.grant.pk},
    ),
    "portal:portal-messages": Route({"GET": portal_page()}, kwargs=_patient),
    # --- Two-step sign-in and sessions ---
    # --- Bank files: billing and the office manager import them and work the queue ---
    "bankfiles:bank-file-list": Route({"GET": BANK, "POST": BANK}),
    "bankfiles:bank-file-detail": Route({"GET": BANK}, kwargs=_bank_file),
    "bankfiles:bank-file-report": Route({"GET": BANK}, kwargs=_bank_file),
    "bankfiles:queue-list": Route({"GET": BANK}),
    "bankfiles:transaction-detail": Route({"GET": BANK}, kwargs=_bank_transaction),
    "bankfiles:transaction-match": Route({"POST": BANK}, kwargs=_bank_transaction),
    "bankfiles:transaction-split": Route({"POST": BANK}, kwargs=_bank_transaction),
    "bankfiles:transaction-refund": Route({"POST": BANK}, kwargs=_bank_transaction),
    "bankfiles:transaction-undo": Route({"POST": BANK}, kwargs=_bank_transaction),
    "api-bank-file-import": Route({"POST": staff_api(BILLING, MANAGER)}),
    "api-bank-file-detail": Route({"GET": staff_api(BILLING, MANAGER)}, kwargs=_bank_file),
    "api-service-list": Route({"GET": staff_api(FRONT_DESK, BILLING, MANAGER)}),
    "mfa:mfa-setup": Route({"GET": ALL_STAFF, "POST": ALL_STAFF}),
    "mfa:mfa-verify": Route({"GET": ALL_STAFF, "POST": ALL_STAFF}),
    "mfa:mfa-staff-list": Route({"GET": staff_page(MANAGER)}),
    "mfa:mfa-staff-reset": Route(
        {"POST": staff_page(MANAGER)},
        kwargs=lambda w, s: {"user_id": cast(User, w.users[FRONT_DESK]).pk},
        per_patient=False,
    ),
    "mfa:mfa-portal-settings": Route({"GET": patients_only, "POST": patients_only}),
    "mfa:mfa-portal-setup": Route({"GET": patients_only, "POST": patients_only}),
    "mfa:mfa-portal-verify": Route({"GET": patients_only, "POST": patients_only}),
    "sessions:my-account": Route({"GET": ALL_STAFF}),
    "sessions:sign-out-elsewhere": Route({"POST": ALL_STAFF}),
    "sessions:portal-sign-out-elsewhere": Route({"POST": signed_in}),
    "portal:portal-message": Route(
        {"GET": portal_page()}, kwargs=lambda w, s: {"patient_id": s.patient.pk, "message_id": s.message.pk}
    ),
}

# Routes left out of the cell-by-cell matrix, each with the reason.
EXCLUDED_PREFIXES = {
    # The Django admin has its own permission system (is_staff plus model permissions, which the role
    # migrations grant to nobody); test_no_persona_gets_into_the_django_admin checks that no persona gets in.
    "admin/": "Django admin: its own permission system; only superusers (none of the roles) enter",
    "static/": "static files (not routed through views)",
    "bench/": "the benchmark URLconf's floor view exists only under bench.settings",
}
# Unnamed catch-alls answer 404 to everyone: nothing to authorise.
EXCLUDED_UNNAMED = {"^api/(?:.*/)?$": "unknown /api/ URLs get a JSON 404 (clinic_billing.api_errors.api_not_found)"}
