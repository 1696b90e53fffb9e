"""The disputes of an invoice: complaints with the Decision the active policy takes, and their adjustments."""

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from disputes import policy as engine
from disputes.models import AdjustmentRequest, Complaint, Decision
from patient_collections.models import FollowUpCall

from .base import SeederBase
from .rows import Event, InvoiceState
from .vocabulary import COMPLAINT_CATEGORIES, COMPLAINT_WORDS, OPEN_COMPLAINT_DAYS, ZERO, weighted

# The engine's decision fields a Decision row stores under the same name.
DECISION_FIELDS = ("policy_version", "rule_position", "rule_names", "route_to", "meeting_within_hours", "scripts")


def decision_columns(decision: engine.Decision, facts: engine.Facts) -> dict[str, Any]:
    """The columns of the Decision row complaint_file stores for what the engine decided on `facts`."""
    return {
        **{name: getattr(decision, name) for name in DECISION_FIELDS},
        "facts": {key: str(value) for key, value in asdict(facts).items()},
        "proposal_kind": decision.proposal.kind,
        "proposal_amount": decision.proposal.amount,
        "approval_role": decision.approval_role or "",
        "notes": list(decision.notes),
    }


class DisputesHistory(SeederBase):
    def make_complaint(self, state: InvoiceState, patient: dict[str, Any], issue_day: date, number: str) -> datetime:
        """A complaint with the Decision the active policy takes on its facts; closed ones are resolved."""
        rng = self.rng
        assert state.issued_at is not None
        age = rng.randint(2, max(2, min(60, (self.today - issue_day).days)))
        received = min(self.at(issue_day + timedelta(days=age)), timezone.now() - timedelta(hours=1))
        category = weighted(rng, COMPLAINT_CATEGORIES)
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
            id=complaint_id,
            patient_id=patient["id"],
            invoice_id=state.id,
            channel=facts.channel,
            category=category,
            description=COMPLAINT_WORDS[category],
            disputed_amount=facts.disputed_amount,
            status=Complaint.Status.OPEN if is_open else Complaint.Status.CLOSED,
            route_to=decision.route_to,
            meeting_due_at=meeting_due,
            met_at=met_at,
            outcome=outcome,
            prevention_note=""
            if is_open
            else "Checked the lines with the patient; the desk now explains the card rules.",
            resolution_note="",
            resolution_text=""
            if is_open
            else "We went through each line of your bill with you; what you were charged is correct.",
            received_at=received,
            closed_at=closed_at,
        )
        self.writers["decisions"].add(
            id=self.ids.take(Decision),
            complaint_id=complaint_id,
            policy_id=self.policy.pk,
            **decision_columns(decision, facts),
            decided_at=received,
        )
        if money_kind and decision.proposal.amount > 0 and (not is_open or rng.random() < 0.8):
            self.make_adjustment(state, complaint_id, decision, received, closed_at, category)
        if closed_at is not None:
            due_at = closed_at + timedelta(days=self.snapshot.follow_up_days)
            done = due_at < timezone.now() - timedelta(days=1)
            self.writers["follow-up calls"].add(
                id=self.ids.take(FollowUpCall),
                patient_id=patient["id"],
                invoice_id=state.id,
                complaint_id=complaint_id,
                reason=FollowUpCall.Reason.COMPLAINT_FOLLOW_UP,
                request_note="",
                preferred_time="",
                preferred_channel="",
                role=decision.route_to,
                due_at=due_at,
                attempts=1 if done else 0,
                outcome=FollowUpCall.Outcome.SATISFIED if done else "",
                outcome_note="",
                completed_at=due_at if done else None,
                idempotency_key=f"complaint-{complaint_id}-follow-up",
                created_at=closed_at,
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
            "row": {
                "id": self.ids.take(AdjustmentRequest),
                "complaint_id": complaint_id,
                "invoice_id": state.id,
                "kind": decision.proposal.kind,
                "amount": amount,
                "reason": reason,
                "required_role": decision.approval_role or "office_manager",
                "status": AdjustmentRequest.Status.APPROVED if approved else AdjustmentRequest.Status.PENDING,
                "requested_at": received,
                "decided_at": closed_at,
                "decision_note": "",
            },
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
