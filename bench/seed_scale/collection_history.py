"""The collections history of an overdue invoice: the notices a daily sweep sent, plans, deferrals, cases."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from invoices.models import CreditNote
from patient_collections.models import CollectionCase, Deferral, Instalment, PaymentPlan, Reminder

from .base import SeederBase
from .rows import Event, InvoiceState
from .vocabulary import CASE_DECISIONS, CENT, HISTORY_LAG_DAYS, Kind


class CollectionsHistory(SeederBase):
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
                id=self.ids.take(CollectionCase),
                invoice_id=state.id,
                status=status,
                amount=state.patient_due(),
                proposed_at=self.at(proposed_on, earliest=6, latest=7),
                decided_at=decided_at,
                note="",
            )

    def write_pending_owners(self, state: InvoiceState) -> None:
        """Rows that name a ledger entry, written once the entries have their ids."""
        for reminder in self.pending_reminders:
            step = reminder["step"]
            sent_at = reminder["sent_at"]
            self.writers["reminders"].add(
                id=reminder["id"],
                invoice_id=reminder["invoice_id"],
                step=step.number,
                notice_type=step.notice_type,
                channel=reminder["channel"],
                fee=step.fee,
                deadline=timezone.localdate(sent_at) + timedelta(days=step.deadline_days),
                status=Reminder.Status.SENT,
                skip_reason="",
                attempts=1,
                created_at=sent_at,
                sent_at=sent_at,
                fee_entry_id=reminder["entry_id"],
            )
        for adjustment in self.pending_adjustments:
            self.writers["adjustments"].add(**adjustment["row"], ledger_entry_id=adjustment["entry_id"])
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
            id=self.ids.take(CreditNote),
            invoice_id=state.id,
            ledger_entry_id=adjustment["entry_id"],
            number=CreditNote.number_of(year, sequence),
            year=year,
            sequence=sequence,
            kind=CreditNote.KIND_OF_ENTRY[event.kind],
            amount=-event.amount,
            reason=event.note,
            issued_at=event.at,
            seller_details=self.seller,
            buyer_details=self.buyers[state.patient_id],
        )

    def make_plan_or_deferral(self, state: InvoiceState) -> None:
        roll = self.rng.random()
        created = self.at(self.today - timedelta(days=self.rng.randint(0, HISTORY_LAG_DAYS - 1)))
        if roll < 0.06:
            owed = state.patient_due()
            months = self.rng.randint(3, 6)
            plan_id = self.ids.take(PaymentPlan)
            self.writers["payment plans"].add(
                id=plan_id,
                invoice_id=state.id,
                status=PaymentPlan.Status.ACTIVE,
                total=owed,
                paid_before=state.patient_paid,
                created_at=created,
            )
            base = (owed / months).quantize(CENT, rounding="ROUND_DOWN")
            amounts = [base] * (months - 1) + [owed - base * (months - 1)]
            first = timezone.localdate(created) + timedelta(days=30)
            for number, amount in enumerate(amounts, start=1):
                self.writers["instalments"].add(
                    id=self.ids.take(Instalment),
                    plan_id=plan_id,
                    number=number,
                    due_date=first + timedelta(days=30 * (number - 1)),
                    amount=amount,
                    status="due",
                )
        elif roll < 0.09:
            self.writers["deferrals"].add(
                id=self.ids.take(Deferral),
                invoice_id=state.id,
                until=self.today + timedelta(days=self.rng.randint(14, 90)),
                reason="Waiting for the next salary",
                created_at=created,
            )
