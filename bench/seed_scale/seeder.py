"""The scale seeder: patients, then invoices in chunks, each issued one with its whole history."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection

from invoices.models import CreditNote, Invoice, InvoiceLine, InvoiceNumberCounter, InvoiceStatusChange, LedgerEntry
from invoices.payment_reference import account_reference, kid_for_invoice
from patients.models import Coverage, Patient

from .collection_history import CollectionsHistory
from .dispute_history import DisputesHistory
from .rows import Event, InvoiceState, luhn_check_digit
from .vocabulary import (
    CATALOGUE,
    CHANNEL_WEIGHTS,
    CHUNK,
    DISPUTED_SHARE,
    FIRST_NAMES,
    HEAVY_PATIENT_INVOICES,
    LAST_NAMES,
    LINE_COUNT_WEIGHTS,
    OVERDUE_SHARE,
    ZERO,
    Kind,
    money,
    weighted,
)


class Seeder(CollectionsHistory, DisputesHistory):
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
            channel = weighted(self.rng, CHANNEL_WEIGHTS)
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
                id=patient_id,
                name=name,
                date_of_birth=born,
                email=f"patient{patient_id}@example.org" if channel != "letter" or number % 2 else "",
                phone=f"+47 4{patient_id % 10_000_000:07d}",
                address_line=address_line,
                postal_code=postal_code,
                city=city,
                municipality="",
                language=language,
                preferred_channel=channel,
                opt_out_email=False,
                opt_out_sms=False,
                opt_out_phone=False,
                created_at=self.at(self.today - timedelta(days=800)),
            )
            if insured or card:
                self.writers["coverages"].add(
                    id=self.ids.take(Coverage),
                    patient_id=patient_id,
                    kind="insurer" if insured else "exemption_card",
                    payer_name="Storebrand Helseforsikring" if insured else "Helfo frikort",
                    member_number=f"M-{patient_id:08d}",
                    valid_from=self.today - timedelta(days=800),
                    valid_to=None,
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
            amount = money(quantity * price)
            self.writers["lines"].add(
                id=self.ids.take(InvoiceLine),
                invoice_id=invoice_id,
                position=position,
                code=code,
                description=description,
                quantity=quantity,
                unit_price=price,
                coverage=coverage,
                amount=amount,
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
            id=invoice_id,
            patient_id=patient["id"],
            service_date=service_day,
            status=Invoice.Status.DRAFT,
            # A draft has no number, reference, dates of issue or amounts yet.
            **dict.fromkeys(("number", "year", "sequence", "payment_reference", "issued_at", "due_date"), None),
            insurance_status="pending" if has_third_party else "none",
            insurance_settled_at=None,
            **dict.fromkeys(("total", "third_party_share", "balance", "insurer_paid"), ZERO),
            created_at=self.at(service_day),
            seller_details={},
            buyer_details={},
        )

    def payment_reference(self, patient_id: int, year: int, sequence: int, number: str) -> str:
        if self.reference_scheme == "KID" and settings.PAYMENT_REFERENCE_SCHEME == "MOD10":
            # kid_for_invoice's MOD10 KID (the spare digit 0 always works with Luhn) without its per-digit generators:
            # a tenth of the seed's CPU at 2,000,000 invoices. tests/test_seed_scale.py checks every KID.
            width = settings.PAYMENT_REFERENCE_LENGTH - 4
            base = f"{year % 100:02d}{sequence:0{width}d}0"
            return f"{base}{luhn_check_digit(base)}"
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
                share = third_party if rng.random() < 0.9 else money(third_party * Decimal("0.8"))
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
                part = money(state.patient_due() * Decimal(rng.randint(30, 70)) / 100)
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
                id=entry_id,
                invoice_id=invoice_id,
                kind=event.kind,
                amount=event.amount,
                balance_after=running,
                posted_at=event.at,
                method=event.method,
                reference=event.reference,
                note=event.note,
                request_fingerprint="",
            )
        self.write_pending_owners(state)
        self.writers["invoices"].add(
            id=invoice_id,
            patient_id=patient["id"],
            service_date=service_day,
            status=Invoice.Status.ISSUED,
            number=number,
            year=year,
            sequence=sequence,
            payment_reference=self.payment_reference(patient["id"], year, sequence, number),
            issued_at=issued_at,
            due_date=due,
            insurance_status=insurance_status,
            insurance_settled_at=settled_at,
            total=total,
            third_party_share=third_party,
            balance=state.balance,
            insurer_paid=state.insurer_paid,
            created_at=self.at(service_day),
            seller_details=self.seller,
            buyer_details=self.buyers[patient["id"]],
        )
        self.writers["status changes"].add(
            id=self.ids.take(InvoiceStatusChange),
            invoice_id=invoice_id,
            from_status=Invoice.Status.DRAFT,
            to_status=Invoice.Status.ISSUED,
            changed_at=issued_at,
            reason="",
        )
