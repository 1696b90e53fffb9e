"""Editing the reminder schedule: the office manager's write, held to the jurisdiction's legal limits.

`schedule_problems` checks proposed steps through the pure core (`patient_collections.schedule.validate_schedule`
with the fees in force), and `schedule_replace` saves them in one transaction, or nothing at all.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from auditlog.context import set_actor
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, PermissionDenied

from .. import schedule
from ..models import ReminderStep
from .fees import fee_amount, fee_base_rate

EDIT_SCHEDULE = "patient_collections.edit_schedule"


@dataclass(frozen=True)
class StepInput:
    """One step as the office manager typed it: the fee is a rate code, priced on the day it is used."""

    number: int
    days_after_due: int
    notice_type: str
    fee_code: str = ""
    deadline_days: int = 14
    letter_only: bool = False
    manager_approval: bool = False


class ScheduleInvalid(ApplicationError):
    """The steps break the jurisdiction's limits; `problems` lists every way they do."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(_("The schedule breaks the legal limits; nothing was saved."))
        self.problems = problems


def schedule_problems(*, steps: Sequence[StepInput], jurisdiction: str, on: date) -> list[str]:
    """Every way the steps break the jurisdiction's limits, with each fee as it stands on `on`; empty when lawful."""
    limits = schedule.LIMITS.get(jurisdiction)
    if limits is None:
        return [_("No legal limits are known for the jurisdiction %(code)s.") % {"code": jurisdiction}]
    if not steps:
        return [_("Keep at least one step: without one no reminder goes out.")]
    problems: list[str] = []
    priced: list[schedule.Step] = []
    for step in steps:
        try:
            fee = fee_amount(code=step.fee_code, on=on)
        except ApplicationError as exc:
            problems.append(_("Step %(number)s: %(problem)s") % {"number": step.number, "problem": exc.message})
            continue
        priced.append(
            schedule.Step(
                number=step.number,
                days_after_due=step.days_after_due,
                notice_type=step.notice_type,
                fee=fee,
                deadline_days=step.deadline_days,
                letter_only=step.letter_only,
                manager_approval=step.manager_approval,
            )
        )
    if problems:
        return problems
    return schedule.validate_schedule(tuple(priced), limits, fee_base_rate(on=on))


def schedule_replace(*, steps: Sequence[StepInput], by: User) -> list[ReminderStep]:
    """Replace the steps of the deployment's jurisdiction with `steps`, in one transaction.

    Only a user who may edit the schedule can; steps that break the legal limits raise ScheduleInvalid and
    nothing changes. Reminders already sent keep their step number, fee and deadline. The jurisdiction's
    rows are locked first, so two managers saving at once save one after the other.
    """
    if not by.has_perm(EDIT_SCHEDULE):
        raise PermissionDenied(_("Only the office manager edits the reminder schedule."))
    jurisdiction = str(settings.BILLING_JURISDICTION)
    problems = schedule_problems(steps=steps, jurisdiction=jurisdiction, on=timezone.localdate())
    if problems:
        raise ScheduleInvalid(problems)
    with transaction.atomic(), set_actor(by):
        list(ReminderStep.objects.select_for_update().filter(jurisdiction=jurisdiction).order_by("number"))
        ReminderStep.objects.filter(jurisdiction=jurisdiction).delete()
        return [
            ReminderStep.objects.create(
                jurisdiction=jurisdiction,
                number=step.number,
                days_after_due=step.days_after_due,
                notice_type=step.notice_type,
                fee_code=step.fee_code,
                deadline_days=step.deadline_days,
                letter_only=step.letter_only,
                manager_approval=step.manager_approval,
            )
            for step in sorted(steps, key=lambda s: s.number)
        ]
