"""Demo data for a development install: staff users, patients in five languages, invoices in every state.

Idempotent: users, patients, coverages and proxies are looked up by their natural keys before anything is
created, and a demo patient's invoices are created only while that patient has none (the whole run is one
transaction, so a patient has either all of their demo invoices or none). Money moves only through
invoices.services, exactly as the staff screens and the API move it.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from clinic_billing import roles
from disputes.models import Complaint
from disputes.services import complaint_accept_proposal, complaint_file
from invoices import services
from invoices.models import Coverage as LineCoverage
from invoices.models import Invoice
from patient_collections.models import FollowUpCall
from patients.models import AuthorisedProxy, Channel, Coverage, Patient
from patients.services import ContactDetails, patient_create

DEMO_PASSWORD = "demo"  # noqa: S105 - demo accounts exist only where DEBUG is on (or --force)

STAFF_USERS = [
    ("frontdesk", "Frida", "Fjeld", roles.FRONT_DESK),
    ("billing", "Bjørn", "Bakke", roles.BILLING),
    ("manager", "Mona", "Moen", roles.OFFICE_MANAGER),
    ("provider", "Petter", "Lund", roles.PROVIDER),
]
PATIENT_USERNAME = "patient"

# Service codes in the style of the Norwegian GP tariff (normaltariffen) and the clinic's own price list.
CONSULTATION = ("2ad", "Consultation with a general practitioner", "183.00")
SPECIALIST = ("2cd", "Specialist consultation (private, covered by health insurance)", "1250.00")
BLOOD_TEST = ("701a", "Blood test (sample taken and sent to the laboratory)", "62.00")
DRESSING = ("MAT", "Dressing materials", "85.00")
CERTIFICATE = ("L1", "Medical certificate", "450.00")
RECORDS_COPY = ("KOPI", "Copy of medical records", "95.00")
NO_SHOW = ("IM", "No-show fee (appointment not cancelled 24 hours ahead)", "383.00")


@dataclass(frozen=True)
class DemoLine:
    item: tuple[str, str, str]
    coverage: str = LineCoverage.PATIENT
    quantity: str = "1"


@dataclass(frozen=True)
class DemoPayment:
    amount: str
    payer: str = "patient"
    method: str = "bank transfer"


@dataclass(frozen=True)
class DemoInvoice:
    """One invoice and what happened to it. `issued_days_ago=None` leaves it a draft."""

    key: str
    service_days_ago: int
    lines: list[DemoLine]
    issued_days_ago: int | None = None
    payments: list[DemoPayment] = field(default_factory=list)
    settle_insurance: bool = False
    credit_reason: str = ""


@dataclass(frozen=True)
class DemoPatient:
    name: str
    date_of_birth: date
    language: str
    contact: dict[str, str]
    invoices: list[DemoInvoice]
    insurer: tuple[str, str] | None = None
    exemption_card: str = ""
    portal_user: str = ""
    proxy: dict[str, str] | None = None
    preferred_channel: str = Channel.LETTER


def _address(line: str, postal_code: str, city: str) -> dict[str, str]:
    return {"address_line": line, "postal_code": postal_code, "city": city}


# (patient, category, what they said, whether they accepted the proposal)
DEMO_COMPLAINTS = [
    (
        "Ingrid Johansen",
        "coverage_misunderstanding",
        "I have a frikort, so why do I get a bill at all?",
        False,
    ),
    (
        "Claire Dubois",
        "care_quality",
        "The doctor hardly listened and I had to come back the next day for the same problem.",
        True,
    ),
]

PATIENTS = [
    DemoPatient(
        name="Kari Nordmann",
        date_of_birth=date(1984, 3, 14),
        language="nb",
        preferred_channel=Channel.PORTAL,
        contact={
            "email": "kari.nordmann@example.org",
            "phone": "+47 412 34 567",
            **_address("Thorvald Meyers gate 12", "0555", "Oslo"),
        },
        portal_user=PATIENT_USERNAME,
        invoices=[
            DemoInvoice(
                "paid",
                70,
                [DemoLine(CONSULTATION), DemoLine(BLOOD_TEST)],
                issued_days_ago=68,
                payments=[DemoPayment("245.00", method="Vipps")],
            ),
            DemoInvoice("open", 6, [DemoLine(CONSULTATION), DemoLine(DRESSING)], issued_days_ago=5),
        ],
    ),
    DemoPatient(
        name="Ola Hansen",
        date_of_birth=date(1957, 11, 2),
        language="nb",
        contact={"phone": "+47 934 56 781", **_address("Kirkegata 5", "5003", "Bergen")},
        invoices=[DemoInvoice("draft", 1, [DemoLine(CONSULTATION), DemoLine(CERTIFICATE)])],
    ),
    DemoPatient(
        name="Ingrid Johansen",
        date_of_birth=date(1949, 6, 30),
        language="nb",
        contact={"phone": "+47 958 11 204", **_address("Munkegata 20", "7011", "Trondheim")},
        exemption_card="FK-2026-118734",
        invoices=[
            DemoInvoice(
                "overdue-frikort",
                50,
                [DemoLine(CONSULTATION, LineCoverage.EXEMPTION_CARD), DemoLine(DRESSING, quantity="2")],
                issued_days_ago=48,
            ),
        ],
    ),
    DemoPatient(
        name="Emma Thompson",
        date_of_birth=date(1991, 9, 8),
        language="en",
        preferred_channel=Channel.EMAIL,
        contact={"email": "emma.thompson@example.com", **_address("Bygdøy allé 44", "0265", "Oslo")},
        invoices=[
            DemoInvoice(
                "partly-paid",
                20,
                [DemoLine(CONSULTATION), DemoLine(BLOOD_TEST), DemoLine(CERTIFICATE)],
                issued_days_ago=18,
                payments=[DemoPayment("300.00", method="card")],
            ),
        ],
    ),
    DemoPatient(
        name="James Whitfield",
        date_of_birth=date(1978, 1, 22),
        language="en",
        preferred_channel=Channel.EMAIL,
        contact={"email": "james.whitfield@example.com", **_address("Strandkaien 3", "5013", "Bergen")},
        insurer=("Storebrand Helseforsikring", "SB-4471-2290"),
        invoices=[
            DemoInvoice(
                "insurance-pending",
                9,
                [DemoLine(SPECIALIST, LineCoverage.INSURER), DemoLine(BLOOD_TEST)],
                issued_days_ago=8,
            ),
        ],
    ),
    DemoPatient(
        name="Priya Sharma",
        date_of_birth=date(1988, 12, 5),
        language="en",
        preferred_channel=Channel.SMS,
        contact={"phone": "+47 472 90 113", **_address("Elvegata 14", "9008", "Tromsø")},
        invoices=[
            DemoInvoice("no-show-overdue", 40, [DemoLine(NO_SHOW)], issued_days_ago=38),
            DemoInvoice("records-draft", 2, [DemoLine(RECORDS_COPY)]),
        ],
    ),
    DemoPatient(
        name="Claire Dubois",
        date_of_birth=date(1969, 4, 17),
        language="fr",
        preferred_channel=Channel.EMAIL,
        contact={"email": "claire.dubois@example.fr", **_address("Olav Kyrres gate 9", "4005", "Stavanger")},
        insurer=("If Skadeforsikring", "IF-88213-07"),
        invoices=[
            DemoInvoice(
                "insurance-settled",
                35,
                [DemoLine(SPECIALIST, LineCoverage.INSURER), DemoLine(CONSULTATION)],
                issued_days_ago=33,
                payments=[DemoPayment("1000.00", payer="insurer")],
                settle_insurance=True,
            ),
        ],
    ),
    DemoPatient(
        name="Julien Moreau",
        date_of_birth=date(1995, 7, 1),
        language="fr",
        contact={"phone": "+47 401 77 265", **_address("Dronningens gate 7", "7011", "Trondheim")},
        invoices=[
            DemoInvoice(
                "credited",
                25,
                [DemoLine(CONSULTATION), DemoLine(BLOOD_TEST)],
                issued_days_ago=24,
                credit_reason="Billed twice for the same visit; the other invoice stands.",
            ),
            DemoInvoice(
                "paid",
                25,
                [DemoLine(CONSULTATION), DemoLine(BLOOD_TEST)],
                issued_days_ago=24,
                payments=[DemoPayment("245.00", method="card")],
            ),
        ],
    ),
    DemoPatient(
        name="Ana Costa",
        date_of_birth=date(1982, 2, 11),
        language="pt",
        preferred_channel=Channel.SMS,
        contact={"phone": "+47 986 42 310", **_address("Storgata 88", "3015", "Drammen")},
        invoices=[
            DemoInvoice(
                "overpaid",
                15,
                [DemoLine(CONSULTATION)],
                issued_days_ago=14,
                # Paid by card at the desk, then again by bank transfer: the second payment is a credit.
                payments=[DemoPayment("183.00", method="card"), DemoPayment("183.00")],
            ),
        ],
    ),
    DemoPatient(
        name="João Pereira",
        date_of_birth=date(1973, 10, 29),
        language="pt",
        contact={"email": "joao.pereira@example.pt", **_address("Nygårdsgaten 31", "5015", "Bergen")},
        invoices=[
            DemoInvoice(
                "paid",
                60,
                [DemoLine(CONSULTATION), DemoLine(DRESSING)],
                issued_days_ago=59,
                payments=[DemoPayment("268.00")],
            ),
            DemoInvoice("certificate-open", 4, [DemoLine(CERTIFICATE)], issued_days_ago=3),
        ],
    ),
    DemoPatient(
        name="Olga Ivanova",
        date_of_birth=date(1941, 5, 9),
        language="ru",
        preferred_channel=Channel.PHONE,
        contact={"phone": "+47 916 55 802", **_address("Sandviksveien 120", "5035", "Bergen")},
        exemption_card="FK-2026-204511",
        proxy={
            "name": "Dmitri Ivanov",
            "relationship": "son",
            "phone": "+47 928 14 377",
            "email": "dmitri.ivanov@example.org",
            "document_reference": "FULLMAKT-2025-014",
        },
        invoices=[
            DemoInvoice(
                "overdue",
                55,
                [DemoLine(CONSULTATION, LineCoverage.EXEMPTION_CARD), DemoLine(RECORDS_COPY)],
                issued_days_ago=52,
                payments=[DemoPayment("183.00", payer="insurer")],
                settle_insurance=True,
            ),
        ],
    ),
    DemoPatient(
        name="Sergei Smirnov",
        date_of_birth=date(1966, 8, 19),
        language="ru",
        preferred_channel=Channel.EMAIL,
        contact={"email": "sergei.smirnov@example.org", **_address("Tollbugata 2", "8006", "Bodø")},
        insurer=("Gjensidige Behandlingsforsikring", "GJ-550091"),
        invoices=[
            DemoInvoice(
                "partly-paid-insurance-pending",
                12,
                [DemoLine(SPECIALIST, LineCoverage.INSURER), DemoLine(DRESSING)],
                issued_days_ago=11,
                payments=[DemoPayment("85.00", method="card")],
            ),
        ],
    ),
]


class Command(BaseCommand):
    help = "Create demo staff users, patients and invoices (idempotent; refuses to run with DEBUG off)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: demo users with the password 'demo' would be created. Use --force.")
        today = timezone.localdate()
        with transaction.atomic():
            users = {username: self._user(username, first, last, role) for username, first, last, role in STAFF_USERS}
            created_patients = 0
            pending: list[tuple[Patient, DemoInvoice]] = []
            for spec in PATIENTS:
                patient, created = self._patient(spec)
                created_patients += created
                self._coverages(patient, spec, today)
                self._proxy(patient, spec, today)
                if not Invoice.objects.filter(patient=patient).exists():
                    pending.extend((patient, invoice_spec) for invoice_spec in spec.invoices)
            # Oldest issue first, drafts last: the gapless numbers then follow the issue dates.
            pending.sort(key=lambda item: -1 if item[1].issued_days_ago is None else -item[1].issued_days_ago)
            for patient, invoice_spec in pending:
                self._invoice(patient, invoice_spec, today, users)
            created_invoices = len(pending)
            created_complaints = self._complaints(users)
            self._callback_request()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(STAFF_USERS) + 1} users, {len(PATIENTS)} patients "
                f"({created_patients} new), {created_invoices} new invoice(s), {created_complaints} new "
                "complaint(s). Password for every user: demo."
            )
        )

    def _complaints(self, users: dict[str, User]) -> int:
        """Complaints in the states the staff screens show: one to explain, one waiting for approval."""
        created = 0
        for name, category, words, accept in DEMO_COMPLAINTS:
            patient = Patient.objects.get(name=name)
            if Complaint.objects.filter(patient=patient, description=words).exists():
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
                category=category,
                description=words,
                by=users["frontdesk"],
            )
            if accept:
                complaint_accept_proposal(complaint_id=complaint.pk, by=users["frontdesk"])
            created += 1
        return created

    def _callback_request(self) -> None:
        patient = Patient.objects.get(name="Emma Thompson")
        FollowUpCall.objects.get_or_create(
            idempotency_key="demo-callback-emma",
            defaults={
                "patient": patient,
                "reason": FollowUpCall.Reason.CALLBACK_REQUEST,
                "role": roles.BILLING,
                "due_at": timezone.now(),
                "preferred_time": "Afternoon",
                "preferred_channel": Channel.PHONE,
                "request_note": "Would like to talk about a payment plan.",
            },
        )

    def _user(self, username: str, first_name: str, last_name: str, role: str | None) -> User:
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

    def _patient(self, spec: DemoPatient) -> tuple[Patient, bool]:
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
            patient.user = self._user(spec.portal_user, first, last, None)
            patient.save(update_fields=["user"])
        return patient, created

    def _coverages(self, patient: Patient, spec: DemoPatient, today: date) -> None:
        if spec.insurer:
            payer_name, member_number = spec.insurer
            Coverage.objects.get_or_create(
                patient=patient,
                kind=Coverage.Kind.INSURER,
                payer_name=payer_name,
                member_number=member_number,
                defaults={"valid_from": date(today.year - 2, 1, 1)},
            )
        if spec.exemption_card:
            # A frikort is valid from the day the yearly deductible cap is reached to the end of that year.
            Coverage.objects.get_or_create(
                patient=patient,
                kind=Coverage.Kind.EXEMPTION_CARD,
                payer_name="Helfo (frikort for helsetjenester)",
                member_number=spec.exemption_card,
                defaults={"valid_from": date(today.year, 1, 1), "valid_to": date(today.year, 12, 31)},
            )

    def _proxy(self, patient: Patient, spec: DemoPatient, today: date) -> None:
        if not spec.proxy:
            return
        details = dict(spec.proxy)
        AuthorisedProxy.objects.get_or_create(
            patient=patient,
            name=details.pop("name"),
            document_reference=details.pop("document_reference"),
            defaults={**details, "scope": AuthorisedProxy.Scope.BILLING, "valid_from": today - timedelta(days=400)},
        )

    def _invoice(self, patient: Patient, spec: DemoInvoice, today: date, users: dict[str, User]) -> None:
        billing, front_desk = users["billing"], users["frontdesk"]
        invoice = services.invoice_create_draft(
            patient_id=patient.pk,
            service_date=today - timedelta(days=spec.service_days_ago),
            lines=[
                services.LineInput(code, description, Decimal(line.quantity), Decimal(price), line.coverage)
                for line in spec.lines
                for code, description, price in [line.item]
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
