"""Promises to pay: the patient tells staff they will pay by a date (perhaps how much). Until that day has
passed no reminder goes out for the invoice, or for all the patient's invoices (collection_state's
`promise_to_pay` hold, which the reminder sweep and the sending re-check read); the day after, the schedule
resumes where it stood."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound
from invoices.models import Invoice
from invoices.money import MoneyError, to_money
from invoices.templatetags.money import local_date
from patients.models import Patient

from ..models import Deferral, PaymentPromise
from ..selectors import invoice_active_arrangement

# A promise is a short pause; a longer one is a deferral or a payment plan, which the office manager's rules limit.
MAX_PROMISE_DAYS = 60


@transaction.atomic
def payment_promise_record(
    *,
    patient_id: int,
    until: date,
    amount: Decimal | None = None,
    invoice_id: int | None = None,
    note: str = "",
    by: User | None,
) -> PaymentPromise:
    """Record the patient's promise to pay by `until` (today at the earliest, at most MAX_PROMISE_DAYS ahead): it
    holds reminders on the invoice named, or on all the patient's invoices, through that day. A promise still
    running for the same invoice (or the whole account) is replaced, so one date speaks at a time."""
    today = timezone.localdate()
    if until < today:
        raise ApplicationError(_("The date the patient promised cannot be in the past."), field="until")
    if until > today + timedelta(days=MAX_PROMISE_DAYS):
        raise ApplicationError(
            _("A promise to pay can hold reminders for at most %(days)s days; offer a deferral or a payment plan.")
            % {"days": MAX_PROMISE_DAYS},
            field="until",
        )
    if amount is not None:
        try:
            amount = to_money(amount)
        except MoneyError as exc:
            raise ApplicationError(_("Enter an amount such as 250.00."), field="amount") from exc
        if amount <= 0:
            raise ApplicationError(_("The amount promised must be more than zero."), field="amount")
    if not Patient.objects.filter(pk=patient_id).exists():
        raise NotFound(_("No such patient."), field="patient")
    if (
        invoice_id is not None
        and not Invoice.objects.filter(
            pk=invoice_id, patient_id=patient_id, status__in=Invoice.BOOKED_STATUSES
        ).exists()
    ):
        raise ApplicationError(_("Choose one of the patient's issued invoices."), field="invoice")
    if invoice_id is not None:
        # One arrangement holds an invoice at a time: a plan's instalments and a deferral's date already say when
        # the patient pays, and a promise on top would hold the notices the arrangement itself sends.
        arrangement = invoice_active_arrangement(invoice_id=invoice_id, today=today)
        if isinstance(arrangement, Deferral):
            raise InvalidTransition(
                _("This bill is deferred until %(day)s, so its reminders already wait; change the deferral instead.")
                % {"day": local_date(arrangement.until)},
                field="invoice",
            )
        if arrangement is not None:
            raise InvalidTransition(
                _("This bill has a payment plan: its instalments say when the patient pays; change the plan instead."),
                field="invoice",
            )
    # Saved one by one (not update()), so the audit log says who ended each.
    running = PaymentPromise.objects.active(today).select_for_update().filter(patient_id=patient_id)
    running = running.filter(invoice_id=invoice_id) if invoice_id is not None else running.filter(invoice__isnull=True)
    now = timezone.now()
    for earlier in running:
        earlier.ended_at = now
        earlier.ended_by = by
        earlier.save(update_fields=["ended_at", "ended_by"])
    return PaymentPromise.objects.create(
        patient_id=patient_id, invoice_id=invoice_id, until=until, amount=amount, note=note.strip()[:300], created_by=by
    )


@transaction.atomic
def payment_promise_withdraw(*, patient_id: int, promise_id: int, by: User | None) -> PaymentPromise:
    """End a promise before its date (the patient called to say they cannot): reminders resume at the next sweep.
    A promise already ended stays as it was."""
    promise = PaymentPromise.objects.select_for_update().filter(pk=promise_id, patient_id=patient_id).first()
    if promise is None:
        raise NotFound(_("No such promise to pay."), field="promise")
    if promise.ended_at is None:
        promise.ended_at = timezone.now()
        promise.ended_by = by
        promise.save(update_fields=["ended_at", "ended_by"])
    return promise
