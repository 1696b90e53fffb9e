"""The reminder schedule. Pure: frozen dataclasses and Decimals in, the next step out; no database.

A schedule is an ordered list of steps (days after the due date, notice type, fee, payment deadline).
`next_step` says which step an overdue invoice is ready for today; `validate_schedule` holds a schedule to
its jurisdiction's legal limits (Norway: inkassoloven § 9 and inkassoforskriften ch. 1 — see DOMAIN.md).

Time counts from *sending*: only a notice that went out starts its deadline, and a notice that has not gone
out (still queued, waiting for the contact hours, skipped, failed) blocks every later step and the escalation,
so a patient never gets the final notice without having received the notices before it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# Translation only: the schedule still touches no database and no request.
from django.utils.translation import gettext as _

from .vocabulary import NoticeType

NOTICE_TYPES = tuple(NoticeType.values)
FINAL_NOTICE = NoticeType.FINAL_NOTICE
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# Norwegian fees are fractions of the inkassosats (inkassoforskriften § 1-2), which is a dated rate: a step's fee
# code names the fraction, the rate table holds the sats, so a new sats changes every fee and no amount is
# written twice. code -> (rate code, numerator, denominator).
INKASSOSATS = "inkassosats"
DERIVED_FEES: dict[str, tuple[str, int, int]] = {
    "NO_REMINDER": (INKASSOSATS, 1, 20),  # purring or inkassovarsel
    "NO_PAYMENT_DEMAND": (INKASSOSATS, 3, 20),  # betalingsoppfordring sent by the creditor
}


def derived_fee(rate: Decimal, numerator: int, denominator: int) -> Decimal:
    """A fraction of a rate in whole øre, half up (700 × 1/20 = 35.00, 700 × 3/20 = 105.00)."""
    return (rate * numerator / denominator).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Step:
    number: int
    days_after_due: int
    notice_type: str
    fee: Decimal = ZERO
    deadline_days: int = 14
    letter_only: bool = False  # a legal notice that must go as a letter whatever the preference
    manager_approval: bool = False  # the escalation that follows this step needs the office manager


@dataclass(frozen=True)
class Limits:
    """A jurisdiction's limits on fees and deadlines."""

    earliest_fee_day: int  # a fee-bearing notice only this many days after the due date
    min_deadline_days: int  # the new deadline a notice gives
    max_fee_notices: int  # fee-bearing notices per claim
    # The highest fee of one notice as a fraction of the base rate (Norway: 1/20 of the inkassosats); zero
    # twentieths where no fee is allowed. The amount comes from the dated rate, never from here.
    max_fee_twentieths: int = 0
    # § 1-3: at most one fee-bearing final notice, and no fee-bearing notice after it.
    final_notice_last: bool = False


@dataclass(frozen=True)
class SentNotice:
    number: int
    sent_on: date
    deadline_days: int
    fee: Decimal


@dataclass(frozen=True)
class Account:
    """What the schedule needs to know about one invoice."""

    due_date: date
    patient_due: Decimal
    sent: tuple[SentNotice, ...] = ()
    paused: bool = False
    # Steps that have a notice which did not go out (queued, skipped, failed, in flight): they block.
    unsent: tuple[int, ...] = ()


LIMITS = {
    "NO": Limits(
        earliest_fee_day=14, min_deadline_days=14, max_fee_notices=2, max_fee_twentieths=1, final_notice_last=True
    ),
    "US": Limits(earliest_fee_day=0, min_deadline_days=14, max_fee_notices=0),
    "FR": Limits(earliest_fee_day=0, min_deadline_days=8, max_fee_notices=0),
}

# The fee of the pure defaults: 1/20 of the inkassosats of kr 700 in force since 2017-01-01. The app itself reads
# the sats from the dated rate table (services.fee_amount); these defaults only serve the pure core's tests.
NO_NOTICE_FEE = derived_fee(Decimal("700.00"), 1, 20)

DEFAULT_STEPS = {
    # Fee-free reminder the day after the due date; purring with a fee once 14 days have passed and the first
    # deadline has run out; inkassovarsel ("Varsel om inkasso") 14 days later; then escalation by the manager.
    "NO": (
        Step(1, 1, "reminder", ZERO, 14),
        Step(2, 15, "reminder", NO_NOTICE_FEE, 14),
        Step(3, 30, "final_notice", NO_NOTICE_FEE, 14, letter_only=True, manager_approval=True),
    ),
    # Statement cycle: 30 / 60 / 90-day final notice; agency referral after 120 days is a manager decision.
    "US": (
        Step(1, 30, "statement", ZERO, 30),
        Step(2, 60, "statement", ZERO, 30),
        Step(3, 90, "final_notice", ZERO, 30, letter_only=True, manager_approval=True),
    ),
    # Relance at +15 and +30, mise en demeure at +45 (a letter), then the conciliator.
    "FR": (
        Step(1, 15, "reminder", ZERO, 15),
        Step(2, 30, "reminder", ZERO, 15),
        Step(3, 45, "final_notice", ZERO, 15, letter_only=True, manager_approval=True),
    ),
}


def next_step(account: Account, steps: tuple[Step, ...], today: date) -> Step | None:
    """The step this account is ready for today, or None (paid, paused, not yet due, or schedule done).

    Steps go strictly in order; a step waits both for its day and for the previous notice's deadline counted
    from its sending, so a patient always gets the full time a notice gave them. A notice that has not gone
    out blocks the next step: it is retried, never skipped over.
    """
    if account.paused or account.patient_due <= ZERO or account.unsent:
        return None
    sent_numbers = {notice.number for notice in account.sent}
    ordered = sorted(steps, key=lambda s: s.number)
    pending = [s for s in ordered if s.number not in sent_numbers]
    if not pending:
        return None
    step = pending[0]
    if today < account.due_date + timedelta(days=step.days_after_due):
        return None
    if account.sent:
        last = max(account.sent, key=lambda n: n.sent_on)
        if today <= last.sent_on + timedelta(days=last.deadline_days):
            return None
    return step


def escalation_due(account: Account, steps: tuple[Step, ...], today: date) -> bool:
    """True once every step was sent and the final notice's deadline passed with money still owed."""
    if account.paused or account.patient_due <= ZERO or not steps or account.unsent:
        return False
    final = max(steps, key=lambda s: s.number)
    notice = next((n for n in account.sent if n.number == final.number), None)
    return notice is not None and today > notice.sent_on + timedelta(days=notice.deadline_days)


def validate_schedule(steps: tuple[Step, ...], limits: Limits, base_rate: Decimal = ZERO) -> list[str]:
    """Every way the schedule breaks the jurisdiction's limits, in the reader's language; empty when lawful.

    `base_rate` is the rate fees are capped by on the day (Norway: the inkassosats in force).
    """
    problems: list[str] = []
    ordered = sorted(steps, key=lambda s: s.number)
    if [s.number for s in ordered] != list(range(1, len(ordered) + 1)):
        problems.append(_("Number the steps 1, 2, 3, … without gaps."))
    days = [s.days_after_due for s in ordered]
    if days != sorted(days) or len(set(days)) != len(days):
        problems.append(_("Each step must come later than the one before it."))
    fee_steps = [s for s in ordered if s.fee > ZERO]
    if len(fee_steps) > limits.max_fee_notices:
        problems.append(_("At most %(count)s notice(s) per claim may carry a fee.") % {"count": limits.max_fee_notices})
    if limits.final_notice_last:
        fee_finals = [s for s in fee_steps if s.notice_type == FINAL_NOTICE]
        if len(fee_finals) > 1:
            problems.append(_("Only one final notice (inkassovarsel) per claim may carry a fee."))
        elif fee_finals and fee_steps[-1] is not fee_finals[0]:
            problems.append(_("No fee-bearing reminder may follow the final notice (inkassovarsel)."))
    max_fee = derived_fee(base_rate, limits.max_fee_twentieths, 20)
    for step in ordered:
        label = _("Step %(number)s") % {"number": step.number}

        def problem(message: str, **values: object) -> None:
            problems.append(_("%(step)s: %(problem)s") % {"step": label, "problem": message % values})  # noqa: B023

        if step.notice_type not in NOTICE_TYPES:
            problem(_("the notice type must be one of %(types)s."), types=", ".join(NOTICE_TYPES))
        if step.days_after_due < 1:
            problem(_("a notice can go out the day after the due date at the earliest."))
        if step.deadline_days < limits.min_deadline_days:
            problem(_("the new payment deadline must be at least %(days)s days."), days=limits.min_deadline_days)
        if step.fee < ZERO:
            problem(_("a fee cannot be negative."))
        if step.fee > max_fee:
            problem(_("the fee may be at most %(fee)s."), fee=max_fee)
        if step.fee > ZERO and step.days_after_due < limits.earliest_fee_day:
            problem(
                _("a fee-bearing notice may go out %(days)s days after the due date at the earliest."),
                days=limits.earliest_fee_day,
            )
    return problems
