"""What every part of the scale seeder shares: the clock, the random source, the ids, the counters, the writers."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone

from disputes.models import AdjustmentRequest, Complaint, Decision, Policy
from disputes.services import policy_snapshot
from invoices.jurisdiction import current_profile
from invoices.models import CreditNote, Invoice, InvoiceLine, InvoiceNumberCounter, InvoiceStatusChange, LedgerEntry
from invoices.parties import seller_snapshot
from patient_collections.models import CollectionCase, Deferral, FollowUpCall, Instalment, PaymentPlan, Reminder
from patient_collections.services import schedule_steps
from patients.models import Coverage, Patient

from .rows import Ids, RowWriter
from .vocabulary import HISTORY_LAG_DAYS

# The tables written, in the order they are flushed, by the name the summary gives them.
TABLES: tuple[tuple[str, type[models.Model]], ...] = (
    ("patients", Patient),
    ("coverages", Coverage),
    ("invoices", Invoice),
    ("lines", InvoiceLine),
    ("entries", LedgerEntry),
    ("status changes", InvoiceStatusChange),
    ("reminders", Reminder),
    ("complaints", Complaint),
    ("decisions", Decision),
    ("adjustments", AdjustmentRequest),
    ("follow-up calls", FollowUpCall),
    ("payment plans", PaymentPlan),
    ("instalments", Instalment),
    ("deferrals", Deferral),
    ("collection cases", CollectionCase),
    ("credit notes", CreditNote),
)


class SeederBase:
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
        self.ids = Ids(model for _name, model in TABLES)
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
        self.writers = {name: RowWriter(model) for name, model in TABLES}

    def at(self, day: date, *, earliest: int = 8, latest: int = 17) -> datetime:
        """A moment of `day` between `earliest` and `latest` o'clock (one random draw: called millions of times)."""
        seconds = int(self.rng.random() * (latest - earliest) * 3600)
        return datetime.combine(day, time(earliest), self.tz) + timedelta(seconds=seconds)

    def flush(self) -> None:
        for name, writer in self.writers.items():
            self.written[name] += writer.flush()
