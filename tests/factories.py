"""The one home of test builders: factory_boy factories for plain rows, and the data the tests build through the
services themselves (invoices, complaints, a day of the office's work). Amounts are Decimal strings, never
floats."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import factory
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from catalogue import services as catalogue_services
from catalogue.models import Service
from catalogue.selectors import ServiceWords
from clinic_billing.languages import clinic_language
from disputes import services as dispute_services
from disputes.models import AdjustmentRequest, Complaint
from disputes.policy import Rule
from invoices import services
from invoices.jurisdiction import current_profile
from invoices.models import Coverage, Invoice
from patient_collections import services as collection_services
from patient_collections.models import FollowUpCall, PortalMessage, Reminder
from patients import services as patient_services
from patients.models import AuthorisedProxy, Patient
from patients.proxies import authorised_proxy_create
from portal.models import GoodFaithEstimate, retained_until

# --- Plain rows ---------------------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    name = factory.Sequence(lambda n: f"Patient {n} Hansen")
    date_of_birth = date(1980, 5, 17)
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    phone = "+47 400 00 000"
    language = "nb"


class ProxyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorisedProxy

    patient = factory.SubFactory(PatientFactory)
    name = "Ola Proxy"
    relationship = "son"
    valid_from = date(2020, 1, 1)
    document_reference = "FULLMAKT-001"


def patient_with_address(
    name: str = "Astrid Berg", postal_code: str = "0155", *, preferred_channel: str = "letter", **fields: object
) -> Patient:
    """A patient with a postal address in Oslo, so every notice can go on paper (the final notice always does)."""
    address = {"address_line": "Storgata 5", "postal_code": postal_code, "city": "Oslo", "municipality": "Oslo"}
    return PatientFactory(name=name, preferred_channel=preferred_channel, **{**address, **fields})  # type: ignore[return-value]


def caller_identified(client: Client, patient: Patient, caller: str = "no_caller", **fields: object) -> None:
    """Tell the patient's account page who the staff member speaks with (the desk's caller check), as staff do
    before it shows the balance, invoices and timeline: by default nobody (back-office work)."""
    response = client.post(reverse("frontdesk:patient-caller", args=[patient.pk]), {"caller": caller, **fields})
    assert response.status_code == 302


# --- Time ---------------------------------------------------------------------------------------------------


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """`hour`:`minute` on `day`, in the clinic's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# --- Invoices -----------------------------------------------------------------------------------------------

Lines = Sequence[tuple[str, str, str, str, str]]  # (code, description, quantity, unit price, coverage)

ISSUED = date(2026, 1, 5)  # a Monday; an invoice issued then falls due 14 days later, on 19 January
CONSULTATION = [("GP1", "Consultation", "1", "500.00", Coverage.PATIENT)]  # 500.00, all the patient's
OWED_BY_PATIENT = [  # 700.00, all the patient's: the default policy proposes writing it off for a care complaint
    ("GP1", "Consultation", "1", "640.00", Coverage.PATIENT),
    ("MAT", "Dressing", "1", "60.00", Coverage.PATIENT),
]


def draft_invoice(
    patient: Patient,
    lines: Lines | None = None,
    service_date: date = date(2026, 11, 2),
    insurance_status: str | None = None,
) -> Invoice:
    """A draft with these lines (a consultation the insurer covers and dressing materials, unless given)."""
    lines = lines or [
        ("GP1", "Consultation with a general practitioner", "1", "400.00", Coverage.INSURER),
        ("MAT", "Dressing materials", "2", "35.50", Coverage.PATIENT),
    ]
    return services.invoice_create_draft(
        patient_id=patient.pk,
        service_date=service_date,
        lines=[services.LineInput(c, d, Decimal(q), Decimal(p), cov) for c, d, q, p, cov in lines],
        insurance_status=insurance_status,
        by=None,
    )


def issued_invoice(patient: Patient, *, issued: date = date(2026, 11, 2), **draft: object) -> Invoice:
    """A draft made with `draft` (see draft_invoice), issued on `issued`."""
    invoice = draft_invoice(patient, **draft)  # type: ignore[arg-type]
    return services.invoice_issue(invoice_id=invoice.pk, by=None, today=issued)


def issue(patient: Patient, day: date = ISSUED, *, lines: Lines = CONSULTATION) -> Invoice:
    """An invoice of 500.00 (unless `lines` say otherwise), all the patient's, issued on `day`."""
    return issued_invoice(patient, lines=lines, issued=day)


def overdue_invoice(patient: Patient, *, days: int, lines: Lines | None = None) -> Invoice:
    """An invoice issued long enough ago, under the jurisdiction's payment terms, that it fell due `days` days
    ago (by today's date, which the caller pins or reads)."""
    terms = current_profile().payment_terms_days
    return issued_invoice(patient, lines=lines, issued=timezone.localdate() - timedelta(days=terms + days))


def invoice_with_credit(patient: Patient, credit: str = "100.00", *, day: date = ISSUED) -> Invoice:
    """An invoice of 500.00 issued on `day` that the patient overpaid by `credit`: a credit in their favour."""
    invoice = issue(patient, day)
    services.payment_record(
        invoice_id=invoice.pk,
        amount=Decimal("500.00") + Decimal(credit),
        payer="patient",
        method="bank_transfer",
        reference=f"overpaid-{invoice.pk}",
        by=None,
    )
    invoice.refresh_from_db()
    return invoice


# --- Complaints ---------------------------------------------------------------------------------------------

COMPLAINT_WORDS = "I waited two hours and the doctor was rude."


def complaint_about(
    invoice: Invoice,
    *,
    category: str = "care_quality",
    by: User | None = None,
    lines: tuple[int, ...] | list[int] = (),
    channel: str = "phone",
    description: str = COMPLAINT_WORDS,
    patient: Patient | None = None,
    **details: object,
) -> Complaint:
    """A complaint the invoice's patient (or `patient`) files about it (about `lines`, or the whole invoice),
    through the service; `by` the staff member who took it, or None for the patient in the portal."""
    return dispute_services.complaint_file(
        patient_id=patient.pk if patient else invoice.patient_id,
        invoice_id=invoice.pk,
        line_ids=list(lines),
        channel=channel,
        category=category,
        description=description,
        by=by,
        **details,  # type: ignore[arg-type]
    )


def write_off_pending(patient: Patient, *, requested_by: User) -> AdjustmentRequest:
    """A care complaint's write-off of 700.00, requested by `requested_by`: above the default policy's
    threshold, so only the office manager (or the deputy the policy names) may approve it."""
    complaint = complaint_about(issued_invoice(patient, lines=OWED_BY_PATIENT), by=requested_by)
    return dispute_services.complaint_accept_proposal(complaint_id=complaint.pk, by=requested_by)


# --- Notices ------------------------------------------------------------------------------------------------


def sent_notice(
    invoice: Invoice,
    *,
    sent_at: datetime,
    step: int = 1,
    channel: str = "letter",
    status: str = Reminder.Status.SENT,
    fee: str = "0.00",
    deadline: date | None = None,
) -> Reminder:
    """A notice as reminder_send (for a letter: the print batch) leaves it, without going through the schedule;
    its deadline 14 days after it went out, unless given. Step 3 is the final notice."""
    return Reminder.objects.create(
        invoice=invoice,
        step=step,
        notice_type="final_notice" if step == 3 else "reminder",
        channel=channel,
        status=status,
        sent_at=sent_at if status == Reminder.Status.SENT else None,
        fee=Decimal(fee),
        deadline=deadline or timezone.localdate(sent_at) + timedelta(days=14),
    )


# --- A patient's account with one of every event of its timeline --------------------------------------------


def account_history(patient: Patient, *, by: User, rounds: int = 1) -> None:
    """`rounds` times each event the account's timeline shows (frontdesk/timeline.py), through the services: an
    invoice issued and paid in part, a reminder by email and one by letter, a complaint, a call, a portal message,
    a contact change, a proxy registered, a third-party call refused, a note and a promise to pay."""
    for number in range(rounds):
        invoice = issue(patient, timezone.localdate() - timedelta(days=30))
        services.payment_record(invoice_id=invoice.pk, amount="10.00", payer="patient", method="card", by=by)
        sent_notice(invoice, sent_at=timezone.now() - timedelta(days=5), channel="email")
        sent_notice(invoice, sent_at=timezone.now() - timedelta(days=4), step=2, channel="letter")
        complaint_about(invoice, category="invoice_question", by=by, description=f"What is this bill {number}?")
        FollowUpCall.objects.create(
            patient=patient,
            reason=FollowUpCall.Reason.CALLBACK_REQUEST,
            role="billing",
            due_at=timezone.now(),
            idempotency_key=f"history-{patient.pk}-{number}",
        )
        PortalMessage.objects.create(patient=patient, subject=f"Reminder {number}", body="Please pay.")
        patient_services.patient_update_contact(
            patient_id=patient.pk,
            contact=patient_services.ContactDetails(
                phone=f"+47 400 00 {number:03d}", preferred_channel="sms", language=patient.language
            ),
            by=by,
        )
        authorised_proxy_create(
            patient_id=patient.pk, name=f"Proxy {number}", valid_from=date(2020, 1, 1), document_reference="F-1", by=by
        )
        patient_services.caller_check_record(
            patient_id=patient.pk, caller="someone_else", contact="phone", caller_name=f"Caller {number}", by=by
        )
        patient_services.patient_note_add(patient_id=patient.pk, text=f"Note {number}", by=by)
        collection_services.payment_promise_record(
            patient_id=patient.pk, until=timezone.localdate() + timedelta(days=7), by=by
        )


# --- Good-faith estimates -----------------------------------------------------------------------------------

KEPT_ESTIMATE_PDF = b"%PDF-1.7 the estimate as the patient received it"


def kept_estimate(patient: Patient | None = None, *, number: str = "GFE-20261207-0000CAFE") -> GoodFaithEstimate:
    """A kept estimate as a row (its PDF a stand-in): for the pages that find estimates, not for the PDF itself,
    which tests/portal/test_good_faith_estimate.py makes through the form."""
    issued_at = timezone.now()
    return GoodFaithEstimate.objects.create(
        number=number,
        issued_at=issued_at,
        retain_until=retained_until(timezone.localdate(issued_at)),
        patient=patient,
        patient_name=patient.name if patient else "Jane Doe",
        date_of_birth=patient.date_of_birth if patient else date(1980, 5, 17),
        primary_service="GP consultation",
        total=Decimal("150.00"),
        language="en",
        pdf=KEPT_ESTIMATE_PDF,
        pdf_sha256="0" * 64,
    )


# --- A day of the office's work -----------------------------------------------------------------------------


def run_day(day: date, hour: int = 10) -> list[Reminder]:
    """What beat, the worker and the staff printing the day's letters do on `day`: sweep, send what was queued,
    print the batch (the letters count as sent from then). Returns the notices the sweep queued, as they ended."""
    result = collection_services.reminders_sweep(today=day, enqueue=False)
    for reminder_id in result.reminder_ids:
        collection_services.reminder_send(reminder_id=reminder_id, now=at(day, hour))
    collection_services.reminders_record_printed(now=at(day, hour))
    return [Reminder.objects.get(pk=reminder_id) for reminder_id in result.reminder_ids]


# --- Reading what was built ---------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return "\n".join(pdf_pages(data))


def squeezed(text: str) -> str:
    """PDF text extraction breaks lines and may turn no-break spaces into spaces: compare without them."""
    return "".join(text.split())


def catalogue_service(
    code: str,
    name: str,
    price: str = "100.00",
    *,
    kind: str = "procedure",
    coding_system: str = "local",
    explanation: str = "",
    valid_from: date = date(2000, 1, 1),
    **fields: object,
) -> Service:
    """A service of the catalogue with its English name and one price, through the catalogue's services."""
    service = catalogue_services.service_save(
        service_id=None,
        data=catalogue_services.ServiceInput(code=code, coding_system=coding_system, kind=kind, **fields),  # type: ignore[arg-type]
        texts={"en": ServiceWords(name, explanation), clinic_language(): ServiceWords(name, explanation)},
        by=None,
    )
    catalogue_services.service_price_set(service_id=service.pk, amount=Decimal(price), valid_from=valid_from, by=None)
    return service


# --- The office manager's policy editor: what its form posts -------------------------------------------------------

EMPTY_RULE = Rule(position=0, names={}, route_to="", meeting_within_hours=0, proposal_kind="")
POLICY_LANGUAGES = ["en", "fr", "pt", "nb", "ru"]


def blank(value: object) -> str:
    return "" if value is None else str(value)


def rule_fields(index: int, rule: Rule) -> dict[str, object]:
    prefix = f"rules-{index}-"
    fields: dict[str, object] = {
        "position": rule.position,
        **{f"name_{code}": rule.names.get(code, "") for code in POLICY_LANGUAGES},
        **{f"script_{code}": rule.scripts.get(code, "") for code in POLICY_LANGUAGES},
        "categories": sorted(rule.categories),
        "min_amount": blank(rule.min_amount),
        "max_amount": blank(rule.max_amount),
        "insurance_statuses": sorted(rule.insurance_statuses),
        "min_invoice_age_days": blank(rule.min_invoice_age_days),
        "max_invoice_age_days": blank(rule.max_invoice_age_days),
        "min_earlier_complaints": blank(rule.min_earlier_complaints),
        "route_to": rule.route_to,
        "meeting_within_hours": rule.meeting_within_hours,
        "proposal_kind": rule.proposal_kind,
        "proposal_percent": blank(rule.proposal_percent),
        "proposal_amount": blank(rule.proposal_amount),
        "approval_role": rule.approval_role or "",
    }
    return {prefix + name: value for name, value in fields.items()}


def edit_form(
    draft: dispute_services.PolicyDraft,
    *,
    action: str,
    note: str = "",
    last: str = "200",
    delete_positions: tuple[int, ...] = (),
    new_rule: Rule | None = None,
) -> dict[str, object]:
    """What the edit page posts: the settings, every rule of the draft, the empty extra rule and the button."""
    rules = sorted(draft.rules, key=lambda r: r.position)
    data: dict[str, object] = {
        "approval_threshold": str(draft.approval_threshold),
        "small_claim_threshold": str(draft.small_claim_threshold),
        "follow_up_days": str(draft.follow_up_days),
        "deputy_approver_role": draft.deputy_approver_role,
        "deputy_approver_id": "" if draft.deputy_approver_id is None else str(draft.deputy_approver_id),
        "rules-TOTAL_FORMS": str(len(rules) + 1),
        "rules-INITIAL_FORMS": str(len(rules)),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "last": last,
        "note": note,
        "action": action,
    }
    for index, rule in enumerate(rules):
        data.update(rule_fields(index, rule))
        if rule.position in delete_positions:
            data[f"rules-{index}-DELETE"] = "on"
    if new_rule is not None:
        data.update(rule_fields(len(rules), new_rule))
    else:  # the browser posts the untouched empty rule as empty fields
        data.update(
            {key: [] if isinstance(value, list) else "" for key, value in rule_fields(len(rules), EMPTY_RULE).items()}
        )
    return data
