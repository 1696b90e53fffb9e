"""Arrangements that pause collection: a payment plan of monthly instalments, or a deferral to a later date.
An invoice has one at a time; a new one replaces the running one only when asked to."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from clinic_billing.lifecycle import transition
from integration_events.models import EventType
from integration_events.services import event_record
from invoices import services as invoice_services
from invoices.models import Invoice
from invoices.money import MoneyError, to_money
from invoices.templatetags.money import local_date

from .. import permissions, plans
from ..models import Deferral, Instalment, PaymentPlan
from ..selectors import invoice_active_arrangement, invoices_patient_paid

MAX_PLAN_MONTHS = 36
MAX_DEFERRAL_DAYS = 180


def arrangement_refusal(arrangement: PaymentPlan | Deferral) -> str:
    """Why a new plan or deferral waits for the choice to replace `arrangement`, in the reader's words."""
    if isinstance(arrangement, Deferral):
        return _("This bill is deferred until %(day)s; choose to replace the deferral.") % {
            "day": local_date(arrangement.until)
        }
    return _("This bill has a payment plan that is being kept; choose to replace the payment plan.")


def _arrangement_to_replace(*, invoice: Invoice, replace: bool, by: User | None) -> PaymentPlan | Deferral | None:
    """The arrangement a new one would replace (call with the invoice locked): refused unless `replace`, and
    a plan being kept unless `by` may cancel it (permissions.arrangement_replace_refusal)."""
    current = invoice_active_arrangement(invoice_id=invoice.pk, today=timezone.localdate())
    if current is not None and not replace:
        raise InvalidTransition(arrangement_refusal(current), field="invoice")
    refusal = permissions.arrangement_replace_refusal(by, current)
    if refusal is not None:
        raise PermissionDenied(refusal, field="replace_arrangement")
    return current


def _arrangement_end(arrangement: PaymentPlan | Deferral | None, *, by: User | None) -> None:
    """End the arrangement a new one replaces; saved one by one, so the audit log says who ended it."""
    now = timezone.now()
    if isinstance(arrangement, PaymentPlan):
        arrangement.ended_at = now
        transition(arrangement, PaymentPlan.Status.CANCELLED, by=by, reason="replaced", extra_fields=["ended_at"])
    elif isinstance(arrangement, Deferral):
        arrangement.ended_at = now
        arrangement.ended_by = by
        arrangement.save(update_fields=["ended_at", "ended_by"])


@transaction.atomic
def payment_plan_create(
    *,
    invoice_id: int,
    instalments: int | None = None,
    monthly_amount: Decimal | str | None = None,
    first_due: date | None = None,
    replace_arrangement: bool = False,
    by: User | None,
) -> PaymentPlan:
    """Spread what the patient owes over monthly instalments; reminders pause while the plan is kept.

    A running deferral or plan is refused unless `replace_arrangement`: then it ends in this transaction."""
    invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
    if invoice.status != Invoice.Status.ISSUED:
        raise InvalidTransition(_("Only an issued invoice can be paid by instalments."), field="invoice")
    owed = invoice.patient_due
    if owed <= 0:
        raise ApplicationError(_("Nothing is owed on this invoice."), field="invoice")
    ending = _arrangement_to_replace(invoice=invoice, replace=replace_arrangement, by=by)
    if (instalments is None) == (monthly_amount is None):
        raise ApplicationError(_("Give either the number of instalments or the monthly amount."), field="instalments")
    if monthly_amount is not None:
        try:
            monthly = to_money(monthly_amount)
        except MoneyError as exc:
            raise ApplicationError(str(exc), field="monthly_amount") from exc
        if monthly <= 0:
            raise ApplicationError(_("The monthly amount must be greater than zero."), field="monthly_amount")
        count = plans.instalment_count(owed=owed, monthly_amount=monthly)
        amounts = (
            plans.amounts_of_monthly(owed=owed, monthly_amount=monthly, count=count) if count <= MAX_PLAN_MONTHS else []
        )
    else:
        assert instalments is not None
        count = instalments
        if count < 2:
            raise ApplicationError(_("A plan has at least two instalments."), field="instalments")
        amounts = plans.amounts_in_equal_parts(owed=owed, count=count) if count <= MAX_PLAN_MONTHS else []
    if count > MAX_PLAN_MONTHS:
        raise ApplicationError(
            _("A plan may last at most %(months)s months.") % {"months": MAX_PLAN_MONTHS}, field="instalments"
        )
    if sum(amounts) != owed or any(a <= 0 for a in amounts):
        raise ApplicationError(_("The instalments must add up to what is owed."), field="instalments")
    start = first_due or plans.first_due_date(today=timezone.localdate())
    if start < timezone.localdate():
        raise ApplicationError(_("The first instalment cannot be due in the past."), field="first_due")
    _arrangement_end(ending, by=by)
    plan = PaymentPlan.objects.create(
        invoice=invoice,
        total=owed,
        paid_before=invoices_patient_paid(invoice_ids=[invoice.pk]).get(invoice.pk, Decimal("0.00")),
        created_by=by,
    )
    Instalment.objects.bulk_create(
        Instalment(plan=plan, number=planned.number, due_date=planned.due_date, amount=planned.amount)
        for planned in plans.instalment_schedule(amounts=amounts, first_due=start)
    )
    event_record(
        type=EventType.PLAN_CREATED,
        obj=plan,
        patient_id=invoice.patient_id,
        data={"invoice": invoice.pk, "total": plan.total, "instalments": len(amounts), "first_due": start},
    )
    return plan


@transaction.atomic
def deferral_create(
    *,
    invoice_id: int,
    until: date,
    reason: str = "",
    replace_arrangement: bool = False,
    self_service: bool = False,
    by: User | None,
) -> Deferral:
    """Move collection of an invoice to a later date the patient can keep; reminders wait until then.

    A running deferral or plan is refused unless `replace_arrangement`: then it ends in this transaction.
    `self_service` (the patient in the portal) never replaces anything and gets one deferral per invoice: a
    bill deferred before, even by billing, needs billing to agree the next one."""
    invoice = invoice_services.invoice_lock(invoice_id=invoice_id)
    today = timezone.localdate()
    if invoice.status != Invoice.Status.ISSUED:
        raise InvalidTransition(_("Only an issued invoice can be deferred."), field="invoice")
    if self_service and Deferral.objects.filter(invoice=invoice).exists():
        raise InvalidTransition(
            _("This bill has been deferred before; billing agrees any further deferral."), field="invoice"
        )
    ending = _arrangement_to_replace(invoice=invoice, replace=replace_arrangement and not self_service, by=by)
    if until <= today:
        raise ApplicationError(_("Choose a date after today."), field="until")
    if until > today + timedelta(days=MAX_DEFERRAL_DAYS):
        raise ApplicationError(
            _("A deferral may last at most %(days)s days; offer a payment plan instead.") % {"days": MAX_DEFERRAL_DAYS},
            field="until",
        )
    _arrangement_end(ending, by=by)
    return Deferral.objects.create(invoice=invoice, until=until, reason=reason.strip()[:300], created_by=by)
