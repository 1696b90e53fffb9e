"""Demo data for a development install: staff users, patients in five languages, invoices in every state.

Idempotent: users, patients, coverages and proxies are looked up by their natural keys before anything is
created, and a demo patient's invoices are created only while that patient has none (the whole run is one
transaction, so a patient has either all of their demo invoices or none). Money moves only through
invoices.services, exactly as the staff screens and the API move it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from catalogue.selectors import catalogue_entries_by_code
from clinic_billing import roles
from disputes.models import Complaint
from disputes.services import complaint_accept_proposal, complaint_file
from invoices import services
from invoices.models import Invoice
from mfa.services import demo_device_ensure
from patient_collections.models import FollowUpCall
from patient_collections.services import follow_up_call_open
from patients.models import Channel, Coverage, Patient
from patients.proxies import authorised_proxy_create
from patients.services import ContactDetails, coverage_add, patient_create
from payments_in.samples import SamplePayment, camt054_file, ocr_giro_file

from .demo_data import DemoComplaint, DemoInvoice, DemoPatient, demo_data_load

DEMO_PASSWORD = "demo"  # noqa: S105 - demo accounts exist only where DEBUG is on (or --force)

STAFF_USERS = [
    ("frontdesk", "Frida", "Fjeld", roles.FRONT_DESK),
    ("billing", "Bjørn", "Bakke", roles.BILLING),
    ("manager", "Mona", "Moen", roles.OFFICE_MANAGER),
    ("provider", "Petter", "Lund", roles.PROVIDER),
]


@dataclass(frozen=True)
class DemoSeeded:
    users: int
    patients: int
    new_patients: int
    new_invoices: int
    new_complaints: int
    bank_files: list[Path]


def demo_seed() -> DemoSeeded:
    """Create whatever of the demo data is missing, in one transaction; report what there is and what is new."""
    data = demo_data_load()
    today = timezone.localdate()
    with transaction.atomic():
        users = {username: _user(username, first, last, role) for username, first, last, role in STAFF_USERS}
        for user in users.values():
            # Its codes come from `manage.py demo_code` (or the code page in demo mode); never made with DEBUG off.
            demo_device_ensure(user=user)
        created_patients = 0
        pending: list[tuple[Patient, DemoInvoice]] = []
        for spec in data.patients:
            patient, created = _patient(spec)
            created_patients += created
            _coverages(patient, spec, today)
            _proxy(patient, spec, today)
            if not Invoice.objects.filter(patient=patient).exists():
                pending.extend((patient, invoice_spec) for invoice_spec in spec.invoices)
        # Oldest issue first, drafts last: the gapless numbers then follow the issue dates.
        pending.sort(key=lambda item: -1 if item[1].issued_days_ago is None else -item[1].issued_days_ago)
        for patient, invoice_spec in pending:
            _invoice(patient, invoice_spec, today, users)
        created_complaints = _complaints(data.complaints, users)
        _callback_request()
    portal_users = {spec.portal_user for spec in data.patients if spec.portal_user}
    bank_files = demo_bank_files_write(Path(settings.DEMO_BANK_FILES_DIR), today=today) if pending else []
    return DemoSeeded(
        users=len(STAFF_USERS) + len(portal_users),
        patients=len(data.patients),
        new_patients=created_patients,
        new_invoices=len(pending),
        new_complaints=created_complaints,
        bank_files=bank_files,
    )


def demo_bank_files_write(folder: Path, *, today: date) -> list[Path]:
    """Write a Nets OCR Giro file and a camt.054 notification paying some open demo invoices, for billing to
    import (Bank files → Import). Written when the demo invoices are created, so they name this database's.

    The OCR Giro file pays two invoices in full by KID and carries one KID with a wrong check digit; the camt.054
    pays a third invoice in part by KID and has a payment without a reference from a patient whose name and
    amount match an invoice, so the queue has something to suggest. Both files keep their transaction ids
    however often they are written, so importing them twice posts nothing twice.
    """
    ocr, camt = folder / "demo-ocr-giro.txt", folder / "demo-camt054.xml"
    open_invoices = list(
        Invoice.objects.filter(status=Invoice.Status.ISSUED, balance__gt=0)
        .exclude(payment_reference=None)
        .select_related("patient")
        .order_by("number")[:4]
    )
    if len(open_invoices) < 4:
        return []
    first, second, third, fourth = open_invoices
    paid_on = today - timedelta(days=1)
    folder.mkdir(parents=True, exist_ok=True)
    ocr.write_bytes(
        ocr_giro_file(
            [
                SamplePayment(str(first.payment_reference), first.patient_due, paid_on, seed=9001),
                SamplePayment(str(second.payment_reference), second.patient_due, paid_on, seed=9002),
                SamplePayment(_wrong_check_digit(str(first.payment_reference)), Decimal("250.00"), paid_on, seed=9003),
            ],
            transmission_number="9000001",
        )
    )
    camt.write_bytes(
        camt054_file(
            [
                SamplePayment(
                    str(third.payment_reference),
                    (third.patient_due / 2).quantize(Decimal("0.01")),
                    paid_on,
                    third.patient.name,
                    seed=9011,
                ),
                SamplePayment("", fourth.patient_due, paid_on, fourth.patient.name.upper(), seed=9012),
            ],
            message_id="DEMO-CAMT054-1",
        )
    )
    return [ocr, camt]


def _wrong_check_digit(kid: str) -> str:
    return kid[:-1] + str((int(kid[-1]) + 1) % 10)


def _complaints(complaints: list[DemoComplaint], users: dict[str, User]) -> int:
    """Complaints in the states the staff screens show: one to explain, one waiting for approval."""
    created = 0
    for spec in complaints:
        patient = Patient.objects.get(name=spec.patient)
        if Complaint.objects.filter(patient=patient, description=spec.description).exists():
            continue
        invoice = (
            Invoice.objects.filter(patient=patient, status=Invoice.Status.ISSUED).order_by("-balance", "id").first()
        )
        if invoice is None:
            continue
        complaint = complaint_file(
            patient_id=patient.pk,
            invoice_id=invoice.pk,
            line_ids=[],
            channel="phone",
            category=spec.category,
            description=spec.description,
            by=users["frontdesk"],
        )
        if spec.accept_proposal:
            complaint_accept_proposal(complaint_id=complaint.pk, by=users["frontdesk"])
        created += 1
    return created


def _callback_request() -> None:
    patient = Patient.objects.get(name="Emma Thompson")
    follow_up_call_open(
        idempotency_key="demo-callback-emma",
        patient_id=patient.pk,
        invoice_id=None,
        reason=FollowUpCall.Reason.CALLBACK_REQUEST,
        role=roles.BILLING,
        due_at=timezone.now(),
        preferred_time="Afternoon",
        preferred_channel=Channel.PHONE,
        request_note="Would like to talk about a payment plan.",
    )


def _user(username: str, first_name: str, last_name: str, role: str | None) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@clinic.example"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def _patient(spec: DemoPatient) -> tuple[Patient, bool]:
    patient = Patient.objects.filter(name=spec.name, date_of_birth=spec.date_of_birth).first()
    created = patient is None
    if patient is None:
        contact = ContactDetails(
            email=spec.contact.get("email", ""),
            phone=spec.contact.get("phone", ""),
            address_line=spec.contact.get("address_line", ""),
            postal_code=spec.contact.get("postal_code", ""),
            city=spec.contact.get("city", ""),
            language=spec.language,
            preferred_channel=spec.preferred_channel,
        )
        patient = patient_create(name=spec.name, date_of_birth=spec.date_of_birth, contact=contact)
    if spec.portal_user and patient.user_id is None:
        first, _space, last = spec.name.partition(" ")
        patient.user = _user(spec.portal_user, first, last, None)
        patient.save(update_fields=["user"])
    return patient, created


def _coverages(patient: Patient, spec: DemoPatient, today: date) -> None:
    if spec.insurer:
        payer_name, member_number = spec.insurer
        coverage_add(
            patient_id=patient.pk,
            kind=Coverage.Kind.INSURER,
            payer_name=payer_name,
            member_number=member_number,
            valid_from=date(today.year - 2, 1, 1),
        )
    if spec.exemption_card:
        # A frikort is valid from the day the yearly deductible cap is reached to the end of that year.
        coverage_add(
            patient_id=patient.pk,
            kind=Coverage.Kind.EXEMPTION_CARD,
            payer_name="Helfo (frikort for helsetjenester)",
            member_number=spec.exemption_card,
            valid_from=date(today.year, 1, 1),
            valid_to=date(today.year, 12, 31),
        )


def _proxy(patient: Patient, spec: DemoPatient, today: date) -> None:
    if not spec.proxy or patient.proxies.filter(document_reference=spec.proxy["document_reference"]).exists():
        return
    proxy = spec.proxy
    authorised_proxy_create(
        patient_id=patient.pk,
        name=proxy["name"],
        relationship=proxy.get("relationship", ""),
        phone=proxy.get("phone", ""),
        email=proxy.get("email", ""),
        document_reference=proxy["document_reference"],
        valid_from=today - timedelta(days=400),
    )


def _invoice(patient: Patient, spec: DemoInvoice, today: date, users: dict[str, User]) -> None:
    billing, front_desk = users["billing"], users["frontdesk"]
    service_date = today - timedelta(days=spec.service_days_ago)
    catalogue = catalogue_entries_by_code([line.code for line in spec.lines], on=service_date, language="en")
    unknown = [
        line.code for line in spec.lines if catalogue.get(line.code) is None or catalogue[line.code].price is None
    ]
    if unknown:
        raise ValueError(f"The demo bills {unknown}, which this jurisdiction's service catalogue does not price.")
    invoice = services.invoice_create_draft(
        patient_id=patient.pk,
        service_date=service_date,
        lines=[
            services.LineInput(
                line.code, "", Decimal(line.quantity), catalogue[line.code].price or Decimal("0"), line.coverage
            )
            for line in spec.lines
        ],
        by=front_desk,
    )
    if spec.issued_days_ago is None:
        return
    services.invoice_issue(invoice_id=invoice.pk, by=billing, today=today - timedelta(days=spec.issued_days_ago))
    for number, payment in enumerate(spec.payments, start=1):
        services.payment_record(
            invoice_id=invoice.pk,
            amount=payment.amount,
            payer=payment.payer,
            method=payment.method,
            by=billing if payment.payer == "insurer" else front_desk,
            idempotency_key=f"demo-{patient.pk}-{spec.key}-{number}",
        )
    if spec.settle_insurance:
        services.invoice_mark_insurance_settled(invoice_id=invoice.pk, by=billing)
    if spec.credit_reason:
        services.invoice_credit(invoice_id=invoice.pk, amount=None, reason=spec.credit_reason, by=billing)
