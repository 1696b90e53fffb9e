"""A large, realistic data set for benchmarks: `manage.py seed_scale --invoices 200000`.

Speed comes from writing rows directly: ids are allocated up front, rows are generated in chunks of
invoices, and each chunk goes in with PostgreSQL's COPY (psycopg) or, on other databases, with
`executemany` of plain INSERTs. Nothing goes through the services, so the command reproduces by hand
what they guarantee and `manage.py verify_ledger` proves it afterwards:

- invoices are issued over the last two years, numbered gaplessly per year in issue order (the counter
  row is left at the last value), with a valid payment reference (KID in Norway);
- every issued invoice has its charge, then insurer and patient payments, reminder fees and approved
  adjustments, each entry carrying the running balance; the invoice caches balance and insurer_paid;
- every issued invoice keeps its seller and buyer as issued, and every approved adjustment has its credit
  note, numbered gaplessly per year in its own series (the counter row is left at the last value);
- about 15 % of invoices are overdue (the patient still owes money after the due date), with the
  reminders a daily sweep would have sent until a week ago, so today's sweep has a week of work;
- about 2 % are disputed: each Complaint carries the Decision the active policy takes on its facts;
- some overdue invoices have a payment plan or a deferral; a few patients have insurance or a card.

Random but reproducible: the same --seed gives the same data on the same day.
"""

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from disputes import policy as engine
from disputes.models import AdjustmentRequest, Complaint, Decision, Policy
from disputes.services import policy_snapshot
from invoices.jurisdiction import current_profile
from invoices.models import CreditNote, Invoice, InvoiceLine, InvoiceNumberCounter, InvoiceStatusChange, LedgerEntry
from invoices.parties import seller_snapshot
from invoices.payment_reference import account_reference, kid_for_invoice
from patient_collections.models import (
    CollectionCase,
    Deferral,
    FollowUpCall,
    Instalment,
    PaymentPlan,
    Reminder,
)
from patient_collections.services import schedule_steps
from patients.models import Coverage, Patient

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CHUNK = 5000  # invoices generated and written per round: bounds memory at any N
OVERDUE_SHARE = 0.15
DISPUTED_SHARE = 0.02
HISTORY_LAG_DAYS = 7  # reminders are simulated up to a week ago: today's sweep has a week of due notices
HEAVY_PATIENT_INVOICES = 50
OPEN_COMPLAINT_DAYS = 30  # complaints received this recently are still open
CASE_DECISIONS = (
    CollectionCase.Status.AGENCY,
    CollectionCase.Status.CONCILIATION,
    CollectionCase.Status.WITHDRAWN,
)  # one patient with a long history, for the account page

Kind = LedgerEntry.Kind

# (code, description, price, who may cover it besides the patient)
CATALOGUE: tuple[tuple[str, str, Decimal, str], ...] = (
    ("2ad", "Consultation with a general practitioner", Decimal("183.00"), "exemption_card"),
    ("2cd", "Specialist consultation", Decimal("1250.00"), "insurer"),
    ("701a", "Blood test (sample sent to the laboratory)", Decimal("62.00"), "exemption_card"),
    ("MAT", "Dressing materials", Decimal("85.00"), ""),
    ("L1", "Medical certificate", Decimal("450.00"), ""),
    ("KOPI", "Copy of medical records", Decimal("95.00"), ""),
    ("EKG", "Electrocardiogram (ECG)", Decimal("230.00"), "insurer"),
    ("RTG", "X-ray, one region", Decimal("640.00"), "insurer"),
    ("IM", "No-show fee", Decimal("383.00"), ""),
)
LINE_COUNT_WEIGHTS = (30, 28, 18, 12, 7, 5)  # 1..6 lines

FIRST_NAMES = {
    "nb": ("Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Nils", "Astrid", "Per", "Marit", "Knut"),
    "en": ("Emma", "James", "Olivia", "Oliver", "Amelia", "Harry", "Isla", "Jack", "Grace", "Noah"),
    "fr": ("Claire", "Louis", "Camille", "Hugo", "Léa", "Jules", "Chloé", "Arthur", "Manon", "Paul"),
    "pt": ("Ana", "João", "Beatriz", "Pedro", "Mariana", "Tiago", "Inês", "Rui", "Sofia", "Miguel"),
    "ru": ("Anna", "Ivan", "Olga", "Dmitri", "Elena", "Sergei", "Natalia", "Pavel", "Irina", "Alexei"),
}
LAST_NAMES = {
    "nb": ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen"),
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"),
    "pt": ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins"),
    "ru": ("Ivanov", "Smirnova", "Kuznetsov", "Popova", "Vasiliev", "Petrova", "Sokolov", "Mikhailova"),
}
CHANNEL_WEIGHTS = (("letter", 30), ("email", 35), ("sms", 15), ("portal", 15), ("phone", 5))
COMPLAINT_CATEGORIES = (
    ("billing_error", 20),
    ("coverage_misunderstanding", 20),
    ("cannot_pay", 18),
    ("invoice_question", 12),
    ("partial_payment", 10),
    ("insurance", 8),
    ("service_incident", 7),
    ("care_quality", 5),
)
COMPLAINT_WORDS = {
    "billing_error": "I was charged twice for the same blood test.",
    "coverage_misunderstanding": "I have an exemption card, why is there anything to pay?",
    "cannot_pay": "I lost my job last month and cannot pay this now.",
    "invoice_question": "I do not understand what this invoice is for.",
    "partial_payment": "I paid at the desk already, the lab charge came later.",
    "insurance": "My insurer should have paid the specialist.",
    "service_incident": "The receptionist was rude to me on the phone.",
    "care_quality": "The doctor hardly listened and I had to come back.",
}


@dataclass
class Event:
    """One ledger movement of an invoice, before ids and running balances are known."""

    at: datetime
    kind: str
    amount: Decimal
    method: str = ""
    reference: str = ""
    note: str = ""
    owner: Any = None  # the row (reminder, adjustment) whose fee_entry / ledger_entry names this entry


@dataclass
class InvoiceState:
    """What the simulation knows about one invoice while its history unfolds."""

    id: int
    patient_id: int
    issued_at: datetime | None
    total: Decimal = ZERO
    third_party: Decimal = ZERO
    insurer_paid: Decimal = ZERO
    patient_paid: Decimal = ZERO
    balance: Decimal = ZERO
    settled: bool = False
    events: list[Event] = field(default_factory=list)

    def patient_due(self) -> Decimal:
        outstanding = ZERO if self.settled else max(ZERO, self.third_party - self.insurer_paid)
        return self.balance - outstanding

    def patient_due_at(self, moment: datetime) -> Decimal:
        """What the patient owed at `moment`, from the entries posted by then."""
        before = [event for event in self.events if event.at <= moment]
        balance = sum((event.amount for event in before), ZERO)
        insurer_paid = -sum((event.amount for event in before if event.kind == Kind.INSURANCE_PAYMENT), ZERO)
        outstanding = ZERO if self.settled else max(ZERO, self.third_party - insurer_paid)
        return balance - outstanding

    def post(self, event: Event) -> None:
        self.events.append(event)
        self.balance += event.amount
        if event.kind == Kind.INSURANCE_PAYMENT:
            self.insurer_paid -= event.amount
        if event.kind == Kind.PATIENT_PAYMENT:
            self.patient_paid -= event.amount


class RowWriter:
    """Rows of one model, in the order of `attnames`, written by COPY on PostgreSQL and INSERT elsewhere."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str]) -> None:
        self.model = model
        self.fields = [model._meta.get_field(name) for name in attnames]
        self.columns = [str(getattr(f, "column", name)) for f, name in zip(self.fields, attnames, strict=True)]
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def flush(self) -> int:
        if not self.rows:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                json_columns = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        if json_columns:
                            row = tuple(json.dumps(v) if i in json_columns else v for i, v in enumerate(row))
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.fields))
                prepared = [
                    tuple(f.get_db_prep_save(v, connection) for f, v in zip(self.fields, row, strict=True))  # type: ignore[union-attr]
                    for row in self.rows
                ]
                sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from model meta
                for start in range(0, len(prepared), 2000):
                    cursor.executemany(sql, prepared[start : start + 2000])
        written = len(self.rows)
        self.rows = []
        return written


class Ids:
    """Primary keys allocated ahead of the inserts, continuing after what the tables already hold."""

    def __init__(self, models_: Iterable[type[models.Model]]) -> None:
        self.next: dict[type[models.Model], int] = {
            model: (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1 for model in models_
        }

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class Command(BaseCommand):
    help = "Create a large realistic data set quickly with bulk inserts (benchmarks; refuses with DEBUG off)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--invoices", type=int, required=True, help="How many invoices to create.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the same seed gives the same data).")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args: object, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: this fills the database with made-up patients. Use --force.")
        count = options["invoices"]
        if count < 10:
            raise CommandError("Ask for at least 10 invoices.")
        started = timezone.now()
        with transaction.atomic():
            written = Seeder(count=count, seed=options["seed"]).run()
        if connection.vendor == "postgresql":
            # What autovacuum does to any live database: statistics for the planner, and the visibility map
            # that lets counts over the owed-invoices index skip the table. VACUUM cannot run in a transaction
            # (a test's), where the statistics alone are refreshed.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        seconds = (timezone.now() - started).total_seconds()
        summary = ", ".join(f"{n} {name}" for name, n in written.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded in {seconds:.1f} s: {summary}."))


class Seeder:
    def __init__(self, *, count: int, seed: int) -> None:
        self.count = count
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, reproducible by seed
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.history_cutoff = self.today - timedelta(days=HISTORY_LAG_DAYS)
        self.terms = current_profile().payment_terms_days
        self.reference_scheme = current_profile().payment_reference_scheme
        self.steps = schedule_steps(on=self.today)
        policy = Policy.objects.filter(is_active=True).prefetch_related("rules").first()
        if policy is None:
            raise CommandError("No active refusal-to-pay policy: run the migrations first.")
        self.policy = policy
        self.snapshot = policy_snapshot(policy)
        self.ids = Ids(
            (
                Patient,
                Coverage,
                Invoice,
                InvoiceLine,
                LedgerEntry,
                InvoiceStatusChange,
                Reminder,
                Complaint,
                Decision,
                AdjustmentRequest,
                FollowUpCall,
                PaymentPlan,
                Instalment,
                Deferral,
                CollectionCase,
                CreditNote,
            )
        )
        self.counters = {
            c.year: c.last_value for c in InvoiceNumberCounter.objects.filter(series="invoice").order_by("year")
        }
        self.credit_note_counters = {
            c.year: c.last_value for c in InvoiceNumberCounter.objects.filter(series=CreditNote.SERIES).order_by("year")
        }
        self.seller = seller_snapshot()
        self.buyers: dict[int, dict[str, str]] = {}  # patient id -> the buyer an invoice prints
        self.complaints_by_patient: dict[int, list[datetime]] = defaultdict(list)
        self.pending_reminders: list[dict[str, Any]] = []
        self.pending_adjustments: list[dict[str, Any]] = []
        # Invoices seen and made overdue so far: the overdue rate adapts so ~15 % of all invoices end up overdue.
        self.issued_seen = 0
        self.eligible_seen = 0
        self.written: dict[str, int] = defaultdict(int)
        self.writers = {
            "patients": RowWriter(
                Patient,
                (
                    "id",
                    "name",
                    "date_of_birth",
                    "email",
                    "phone",
                    "address_line",
                    "postal_code",
                    "city",
                    "municipality",
                    "language",
                    "preferred_channel",
                    "opt_out_email",
                    "opt_out_sms",
                    "opt_out_phone",
                    "created_at",
                ),
            ),
            "coverages": RowWriter(
                Coverage, ("id", "patient_id", "kind", "payer_name", "member_number", "valid_from", "valid_to")
            ),
            "invoices": RowWriter(
                Invoice,
                (
                    "id",
                    "patient_id",
                    "service_date",
                    "status",
                    "number",
                    "year",
                    "sequence",
                    "payment_reference",
                    "issued_at",
                    "due_date",
                    "insurance_status",
                    "insurance_settled_at",
                    "total",
                    "third_party_share",
                    "balance",
                    "insurer_paid",
                    "created_at",
                    "seller_details",
                    "buyer_details",
                ),
            ),
            "lines": RowWriter(
                InvoiceLine,
                ("id", "invoice_id", "position", "code", "description", "quantity", "unit_price", "coverage", "amount"),
            ),
            "entries": RowWriter(
                LedgerEntry,
                (
                    "id",
                    "invoice_id",
                    "kind",
                    "amount",
                    "balance_after",
                    "posted_at",
                    "method",
                    "reference",
                    "note",
                    "request_fingerprint",
                ),
            ),
            "status changes": RowWriter(
                InvoiceStatusChange, ("id", "invoice_id", "from_status", "to_status", "changed_at", "reason")
            ),
            "reminders": RowWriter(
                Reminder,
                (
                    "id",
                    "invoice_id",
                    "step",
                    "notice_type",
                    "channel",
                    "fee",
                    "deadline",
                    "status",
                    "skip_reason",
                    "attempts",
                    "created_at",
                    "sent_at",
                    "fee_entry_id",
                ),
            ),
            "complaints": RowWriter(
                Complaint,
                (
                    "id",
                    "patient_id",
                    "invoice_id",
                    "channel",
                    "category",
                    "description",
                    "disputed_amount",
                    "status",
                    "route_to",
                    "meeting_due_at",
                    "met_at",
                    "outcome",
                    "prevention_note",
                    "resolution_note",
                    "resolution_text",
                    "received_at",
                    "closed_at",
                ),
            ),
            "decisions": RowWriter(
                Decision,
                (
                    "id",
                    "complaint_id",
                    "policy_id",
                    "policy_version",
                    "facts",
                    "rule_position",
                    "rule_name",
                    "route_to",
                    "meeting_within_hours",
                    "proposal_kind",
                    "proposal_amount",
                    "approval_role",
                    "script",
                    "notes",
                    "decided_at",
                ),
            ),
            "adjustments": RowWriter(
                AdjustmentRequest,
                (
                    "id",
                    "complaint_id",
                    "invoice_id",
                    "kind",
                    "amount",
                    "reason",
                    "required_role",
                    "status",
                    "requested_at",
                    "decided_at",
                    "decision_note",
                    "ledger_entry_id",
                ),
            ),
            "follow-up calls": RowWriter(
                FollowUpCall,
                (
                    "id",
                    "patient_id",
                    "invoice_id",
                    "complaint_id",
                    "reason",
                    "request_note",
                    "preferred_time",
                    "preferred_channel",
                    "role",
                    "due_at",
                    "attempts",
                    "outcome",
                    "outcome_note",
                    "completed_at",
                    "idempotency_key",
                    "created_at",
                ),
            ),
            "payment plans": RowWriter(
                PaymentPlan, ("id", "invoice_id", "status", "total", "paid_before", "created_at")
            ),
            "instalments": RowWriter(Instalment, ("id", "plan_id", "number", "due_date", "amount", "status")),
            "deferrals": RowWriter(Deferral, ("id", "invoice_id", "until", "reason", "created_at")),
            "collection cases": RowWriter(
                CollectionCase, ("id", "invoice_id", "status", "amount", "proposed_at", "decided_at", "note")
            ),
            "credit notes": RowWriter(
                CreditNote,
                (
                    "id",
                    "invoice_id",
                    "ledger_entry_id",
                    "number",
                    "year",
                    "sequence",
                    "kind",
                    "amount",
                    "reason",
                    "issued_at",
                    "seller_details",
                    "buyer_details",
                ),
            ),
        }

    # --- helpers ------------------------------------------------------------------------------------

    def at(self, day: date, *, earliest: int = 8, latest: int = 17) -> datetime:
        return datetime.combine(
            day, time(self.rng.randint(earliest, latest - 1), self.rng.randint(0, 59), self.rng.randint(0, 59)), self.tz
        )

    def flush(self) -> None:
        for name, writer in self.writers.items():
            self.written[name] += writer.flush()

    # --- the run ------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        patients = self.make_patients()
        self.flush()
        issue_days = sorted(self.today - timedelta(days=self.rng.randint(1, 730)) for _ in range(self.count))
        draft_count = max(1, self.count // 200)
        assignments = self.assign_patients(patients)
        for start in range(0, self.count, CHUNK):
            for index in range(start, min(start + CHUNK, self.count)):
                patient = assignments[index]
                if index >= self.count - draft_count:
                    self.make_draft(patient)
                else:
                    self.make_issued(patient, issue_days[index])
            self.flush()
        for year, last_value in self.counters.items():
            InvoiceNumberCounter.objects.update_or_create(
                series="invoice", year=year, defaults={"last_value": last_value}
            )
        for year, last_value in self.credit_note_counters.items():
            InvoiceNumberCounter.objects.update_or_create(
                series=CreditNote.SERIES, year=year, defaults={"last_value": last_value}
            )
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.ids.next)):
                cursor.execute(sql)
        return dict(self.written)

    def make_patients(self) -> list[dict[str, Any]]:
        patients = []
        languages = tuple(FIRST_NAMES)
        for number in range(max(2, self.count // 10)):
            language = self.rng.choices(languages, weights=(50, 15, 10, 10, 15))[0]
            name = f"{self.rng.choice(FIRST_NAMES[language])} {self.rng.choice(LAST_NAMES[language])}"
            patient_id = self.ids.take(Patient)
            channel = _weighted(self.rng, CHANNEL_WEIGHTS)
            insured = self.rng.random() < 0.2
            card = not insured and self.rng.random() < 0.1
            born = date(1930, 1, 1) + timedelta(days=self.rng.randint(0, 33000))
            address_line = f"Storgata {number % 200 + 1}"
            postal_code = f"{self.rng.randint(1, 9999):04d}"
            city = self.rng.choice(("Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø"))
            self.buyers[patient_id] = {
                "name": name,
                "address_line": address_line,
                "postal_code": postal_code,
                "city": city,
                "date_of_birth": born.isoformat(),
            }
            self.writers["patients"].add(
                patient_id,
                name,
                born,
                f"patient{patient_id}@example.org" if channel != "letter" or number % 2 else "",
                f"+47 4{patient_id % 10_000_000:07d}",
                address_line,
                postal_code,
                city,
                "",
                language,
                channel,
                False,
                False,
                False,
                self.at(self.today - timedelta(days=800)),
            )
            if insured or card:
                self.writers["coverages"].add(
                    self.ids.take(Coverage),
                    patient_id,
                    "insurer" if insured else "exemption_card",
                    "Storebrand Helseforsikring" if insured else "Helfo frikort",
                    f"M-{patient_id:08d}",
                    self.today - timedelta(days=800),
                    None,
                )
            patients.append({"id": patient_id, "channel": channel, "insured": insured, "card": card})
        return patients

    def assign_patients(self, patients: list[dict[str, Any]]) -> list[dict[str, Any]]:
        heavy = HEAVY_PATIENT_INVOICES if self.count >= 2000 else max(1, self.count // 20)
        others = patients[1:]
        assigned = [patients[0]] * heavy + [self.rng.choice(others) for _ in range(self.count - heavy)]
        self.rng.shuffle(assigned)
        return assigned

    def make_lines(self, invoice_id: int, patient: dict[str, Any]) -> tuple[Decimal, Decimal, bool]:
        count = self.rng.choices(range(1, 7), weights=LINE_COUNT_WEIGHTS)[0]
        total, third_party, has_third_party = ZERO, ZERO, False
        for position in range(1, count + 1):
            code, description, price, coverable = CATALOGUE[0 if position == 1 else self.rng.randrange(len(CATALOGUE))]
            quantity = Decimal(2) if code == "MAT" and self.rng.random() < 0.3 else Decimal(1)
            coverage = "patient"
            if coverable == "insurer" and patient["insured"]:
                coverage = "insurer"
            elif coverable == "exemption_card" and patient["card"]:
                coverage = "exemption_card"
            amount = _money(quantity * price)
            self.writers["lines"].add(
                self.ids.take(InvoiceLine), invoice_id, position, code, description, quantity, price, coverage, amount
            )
            total += amount
            if coverage != "patient":
                third_party += amount
                has_third_party = True
        return total, third_party, has_third_party

    def make_draft(self, patient: dict[str, Any]) -> None:
        invoice_id = self.ids.take(Invoice)
        _total, _third, has_third_party = self.make_lines(invoice_id, patient)
        service_day = self.today - timedelta(days=self.rng.randint(0, 5))
        self.writers["invoices"].add(
            invoice_id,
            patient["id"],
            service_day,
            Invoice.Status.DRAFT,
            None,
            None,
            None,
            None,
            None,
            None,
            "pending" if has_third_party else "none",
            None,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            self.at(service_day),
            {},
            {},
        )

    def payment_reference(self, patient_id: int, year: int, sequence: int, number: str) -> str:
        if self.reference_scheme == "KID":
            return kid_for_invoice(
                year=year,
                sequence=sequence,
                length=settings.PAYMENT_REFERENCE_LENGTH,
                scheme=settings.PAYMENT_REFERENCE_SCHEME,
            )
        if self.reference_scheme == "ACCOUNT":
            return account_reference(patient_id=patient_id, year=year, sequence=sequence)
        return number

    def make_issued(self, patient: dict[str, Any], issue_day: date) -> None:
        rng = self.rng
        invoice_id = self.ids.take(Invoice)
        total, third_party, has_third_party = self.make_lines(invoice_id, patient)
        issued_at = self.at(issue_day)
        service_day = issue_day - timedelta(days=rng.randint(0, 3))
        due = issue_day + timedelta(days=self.terms)
        year = issue_day.year
        sequence = self.counters.get(year, 0) + 1
        self.counters[year] = sequence
        number = Invoice.number_of(year, sequence)
        state = InvoiceState(id=invoice_id, patient_id=patient["id"], issued_at=issued_at)
        state.total, state.third_party = total, third_party
        state.post(Event(issued_at, Kind.CHARGE, total, reference=number))

        insurance_status, settled_at = "none", None
        if has_third_party:
            if issue_day > self.today - timedelta(days=21):
                insurance_status = "pending"
            else:
                insurance_status = "settled"
                settled_at = self.at(issue_day + timedelta(days=rng.randint(7, 20)))
                share = third_party if rng.random() < 0.9 else _money(third_party * Decimal("0.8"))
                if share > 0:
                    state.post(
                        Event(settled_at, Kind.INSURANCE_PAYMENT, -share, method="insurer_remittance", reference=number)
                    )
                state.settled = True

        patient_share = total - third_party
        self.issued_seen += 1
        eligible = due < self.today and insurance_status != "pending" and state.patient_due() > 0
        self.eligible_seen += eligible
        overdue = eligible and rng.random() < OVERDUE_SHARE * self.issued_seen / self.eligible_seen
        if overdue:
            if rng.random() < 0.3:
                part = _money(state.patient_due() * Decimal(rng.randint(30, 70)) / 100)
                paid_day = issue_day + timedelta(days=rng.randint(3, self.terms - 1))
                state.post(Event(self.at(paid_day), Kind.PATIENT_PAYMENT, -part, method="card", reference=number))
        elif patient_share > 0 and state.patient_due() > 0:
            paid_day = issue_day + timedelta(days=rng.randint(2, self.terms + 10))
            if paid_day < self.today:
                state.post(
                    Event(
                        self.at(paid_day),
                        Kind.PATIENT_PAYMENT,
                        -state.patient_due(),
                        method=rng.choice(("bank_transfer", "card", "mobile")),
                        reference=number,
                    )
                )

        pause_from = self.history_cutoff
        # Patients dispute unpaid bills more often than paid ones; overall about DISPUTED_SHARE of invoices.
        if rng.random() < DISPUTED_SHARE * (3 if overdue else 0.65):
            received = self.make_complaint(state, patient, issue_day, number)
            pause_from = min(pause_from, received.date())
        if overdue and state.patient_due() > 0:
            self.make_reminders(state, patient, due, pause_from)
            self.make_plan_or_deferral(state)

        state.events.sort(key=lambda e: e.at)
        running = ZERO
        for event in state.events:
            running += event.amount
            entry_id = self.ids.take(LedgerEntry)
            if event.owner is not None:
                event.owner["entry_id"] = entry_id
            self.writers["entries"].add(
                entry_id,
                invoice_id,
                event.kind,
                event.amount,
                running,
                event.at,
                event.method,
                event.reference,
                event.note,
                "",
            )
        self.write_pending_owners(state)
        self.writers["invoices"].add(
            invoice_id,
            patient["id"],
            service_day,
            Invoice.Status.ISSUED,
            number,
            year,
            sequence,
            self.payment_reference(patient["id"], year, sequence, number),
            issued_at,
            due,
            insurance_status,
            settled_at,
            total,
            third_party,
            state.balance,
            state.insurer_paid,
            self.at(service_day),
            self.seller,
            self.buyers[patient["id"]],
        )
        self.writers["status changes"].add(
            self.ids.take(InvoiceStatusChange), invoice_id, Invoice.Status.DRAFT, Invoice.Status.ISSUED, issued_at, ""
        )

    # --- collections --------------------------------------------------------------------------------

    def make_reminders(self, state: InvoiceState, patient: dict[str, Any], due: date, pause_from: date) -> None:
        """The notices a daily sweep would have sent until `pause_from`, with their fees in the ledger."""
        sent_on: date | None = None
        last_deadline = 0
        for step in sorted(self.steps, key=lambda s: s.number):
            day = due + timedelta(days=step.days_after_due)
            if sent_on is not None:
                day = max(day, sent_on + timedelta(days=last_deadline + 1))
            if day >= pause_from:
                return
            sent_at = self.at(day, earliest=6, latest=7)
            reminder = {
                "id": self.ids.take(Reminder),
                "invoice_id": state.id,
                "step": step,
                "channel": "letter" if step.letter_only or patient["channel"] == "phone" else patient["channel"],
                "sent_at": sent_at,
                "entry_id": None,
            }
            if step.fee > 0:
                state.post(
                    Event(sent_at, Kind.REMINDER_FEE, step.fee, reference=f"reminder-{reminder['id']}", owner=reminder)
                )
            self.pending_reminders.append(reminder)
            sent_on, last_deadline = day, step.deadline_days
        if sent_on is not None and sent_on + timedelta(days=last_deadline) < pause_from:
            proposed_on = sent_on + timedelta(days=last_deadline + 1)
            status, decided_at = CollectionCase.Status.PROPOSED, None
            if proposed_on < self.today - timedelta(days=30):
                # The office manager decided older cases: most go to the agency, some to the conciliation board.
                status = self.rng.choices(CASE_DECISIONS, weights=(60, 25, 15))[0]
                decided_at = self.at(proposed_on + timedelta(days=self.rng.randint(3, 20)))
            self.writers["collection cases"].add(
                self.ids.take(CollectionCase),
                state.id,
                status,
                state.patient_due(),
                self.at(proposed_on, earliest=6, latest=7),
                decided_at,
                "",
            )

    def write_pending_owners(self, state: InvoiceState) -> None:
        """Rows that name a ledger entry, written once the entries have their ids."""
        for reminder in self.pending_reminders:
            step = reminder["step"]
            sent_at = reminder["sent_at"]
            self.writers["reminders"].add(
                reminder["id"],
                reminder["invoice_id"],
                step.number,
                step.notice_type,
                reminder["channel"],
                step.fee,
                timezone.localdate(sent_at) + timedelta(days=step.deadline_days),
                Reminder.Status.SENT,
                "",
                1,
                sent_at,
                sent_at,
                reminder["entry_id"],
            )
        for adjustment in self.pending_adjustments:
            self.writers["adjustments"].add(*adjustment["row"], adjustment["entry_id"])
            if adjustment["entry_id"] is not None:
                self.write_credit_note(state, adjustment)
        self.pending_reminders = []
        self.pending_adjustments = []

    def write_credit_note(self, state: InvoiceState, adjustment: dict[str, Any]) -> None:
        """The credit note of an approved adjustment, as invoice_adjust writes it beside the entry."""
        event: Event = adjustment["event"]
        year = timezone.localtime(event.at).year
        sequence = self.credit_note_counters.get(year, 0) + 1
        self.credit_note_counters[year] = sequence
        self.writers["credit notes"].add(
            self.ids.take(CreditNote),
            state.id,
            adjustment["entry_id"],
            CreditNote.number_of(year, sequence),
            year,
            sequence,
            CreditNote.KIND_OF_ENTRY[event.kind],
            -event.amount,
            event.note,
            event.at,
            self.seller,
            self.buyers[state.patient_id],
        )

    def make_plan_or_deferral(self, state: InvoiceState) -> None:
        roll = self.rng.random()
        created = self.at(self.today - timedelta(days=self.rng.randint(0, HISTORY_LAG_DAYS - 1)))
        if roll < 0.06:
            owed = state.patient_due()
            months = self.rng.randint(3, 6)
            plan_id = self.ids.take(PaymentPlan)
            self.writers["payment plans"].add(
                plan_id, state.id, PaymentPlan.Status.ACTIVE, owed, state.patient_paid, created
            )
            base = (owed / months).quantize(CENT, rounding="ROUND_DOWN")
            amounts = [base] * (months - 1) + [owed - base * (months - 1)]
            first = timezone.localdate(created) + timedelta(days=30)
            for number, amount in enumerate(amounts, start=1):
                self.writers["instalments"].add(
                    self.ids.take(Instalment), plan_id, number, first + timedelta(days=30 * (number - 1)), amount, "due"
                )
        elif roll < 0.09:
            self.writers["deferrals"].add(
                self.ids.take(Deferral),
                state.id,
                self.today + timedelta(days=self.rng.randint(14, 90)),
                "Waiting for the next salary",
                created,
            )

    # --- disputes -----------------------------------------------------------------------------------

    def make_complaint(self, state: InvoiceState, patient: dict[str, Any], issue_day: date, number: str) -> datetime:
        """A complaint with the Decision the active policy takes on its facts; closed ones are resolved."""
        rng = self.rng
        assert state.issued_at is not None
        age = rng.randint(2, max(2, min(60, (self.today - issue_day).days)))
        received = min(self.at(issue_day + timedelta(days=age)), timezone.now() - timedelta(hours=1))
        category = _weighted(rng, COMPLAINT_CATEGORIES)
        earlier = [
            t for t in self.complaints_by_patient[patient["id"]] if received - timedelta(days=365) <= t < received
        ]
        self.complaints_by_patient[patient["id"]].append(received)
        facts = engine.Facts(
            category=category,
            disputed_amount=max(state.patient_due_at(received), ZERO),
            insurance_status="settled" if state.settled else ("pending" if state.third_party else "none"),
            invoice_age_days=(timezone.localdate(received) - issue_day).days,
            earlier_complaints=len(earlier),
            channel=rng.choice(("desk", "phone", "portal", "email", "letter")),
        )
        decision = engine.decide(facts, self.snapshot)
        complaint_id = self.ids.take(Complaint)
        is_open = timezone.localdate(received) > self.today - timedelta(days=OPEN_COMPLAINT_DAYS)
        meeting_due = received + timedelta(hours=decision.meeting_within_hours)
        met_at = None if is_open and rng.random() < 0.5 else received + timedelta(hours=rng.randint(1, 48))
        if met_at is not None:
            met_at = min(met_at, timezone.now())
        closed_at = None if is_open else met_at + timedelta(days=rng.randint(1, 10)) if met_at else None
        money_kind = decision.proposal.kind in AdjustmentRequest.KIND_TO_ENTRY
        outcome = ""
        if not is_open:
            outcome = Complaint.Outcome.ADJUSTED if money_kind else Complaint.Outcome.EXPLAINED
        self.writers["complaints"].add(
            complaint_id,
            patient["id"],
            state.id,
            facts.channel,
            category,
            COMPLAINT_WORDS[category],
            facts.disputed_amount,
            Complaint.Status.OPEN if is_open else Complaint.Status.CLOSED,
            decision.route_to,
            meeting_due,
            met_at,
            outcome,
            "" if is_open else "Checked the lines with the patient; the desk now explains the card rules.",
            "",
            "" if is_open else "We went through each line of your bill with you; what you were charged is correct.",
            received,
            closed_at,
        )
        self.writers["decisions"].add(
            self.ids.take(Decision),
            complaint_id,
            self.policy.pk,
            decision.policy_version,
            {key: str(value) for key, value in asdict(facts).items()},
            decision.rule_position,
            decision.rule_name,
            decision.route_to,
            decision.meeting_within_hours,
            decision.proposal.kind,
            decision.proposal.amount,
            decision.approval_role or "",
            decision.script,
            list(decision.notes),
            received,
        )
        if money_kind and decision.proposal.amount > 0 and (not is_open or rng.random() < 0.8):
            self.make_adjustment(state, complaint_id, decision, received, closed_at, category)
        if closed_at is not None:
            due_at = closed_at + timedelta(days=self.snapshot.follow_up_days)
            done = due_at < timezone.now() - timedelta(days=1)
            self.writers["follow-up calls"].add(
                self.ids.take(FollowUpCall),
                patient["id"],
                state.id,
                complaint_id,
                FollowUpCall.Reason.COMPLAINT_FOLLOW_UP,
                "",
                "",
                "",
                decision.route_to,
                due_at,
                1 if done else 0,
                FollowUpCall.Outcome.SATISFIED if done else "",
                "",
                due_at if done else None,
                f"complaint-{complaint_id}-follow-up",
                closed_at,
            )
        return received

    def make_adjustment(
        self,
        state: InvoiceState,
        complaint_id: int,
        decision: engine.Decision,
        received: datetime,
        closed_at: datetime | None,
        category: str,
    ) -> None:
        """An adjustment request: pending on an open complaint, approved (and posted) on a closed one."""
        approved = closed_at is not None
        # Never more than the patient owes once every payment is in, so the books stay without a credit.
        amount = min(decision.proposal.amount, state.patient_due())
        if amount <= 0:
            return
        reason = f"{category}: {decision.rule_name}"[:300]
        adjustment: dict[str, Any] = {
            "row": (
                self.ids.take(AdjustmentRequest),
                complaint_id,
                state.id,
                decision.proposal.kind,
                amount,
                reason,
                decision.approval_role or "office_manager",
                AdjustmentRequest.Status.APPROVED if approved else AdjustmentRequest.Status.PENDING,
                received,
                closed_at,
                "",
            ),
            "entry_id": None,
        }
        if approved:
            assert closed_at is not None
            adjustment["event"] = Event(
                closed_at - timedelta(minutes=5),
                AdjustmentRequest.KIND_TO_ENTRY[decision.proposal.kind],
                -amount,
                reference=f"complaint-{complaint_id}",
                note=reason,
                owner=adjustment,
            )
            state.post(adjustment["event"])
        self.pending_adjustments.append(adjustment)
