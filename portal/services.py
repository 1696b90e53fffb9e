"""Portal-side writes. Each composes the domain services (disputes, collections, patients, invitations);
none re-implements their rules. A request the patient may not make online becomes a request for staff.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, NotFound
from disputes.models import Role
from invoices.models import Invoice
from invoices.money import CENT
from patient_collections import plans
from patient_collections import services as collection_services
from patient_collections.models import Deferral, FollowUpCall, PaymentPlan
from patients.models import AuthorisedProxy, Channel
from patients.proxies import authorised_proxy_create

from .invitations import invitation_create

# The smallest monthly instalment a patient may choose online, per jurisdiction (in its currency).
PLAN_MINIMUM_MONTHLY: dict[str, Decimal] = {
    "NO": Decimal("200.00"),
    "US": Decimal("25.00"),
    "FR": Decimal("20.00"),
}

# Callback requests are picked up by the billing office on working days from this hour.
OFFICE_OPENS = time(9)
OFFICE_CLOSES = time(16)

# A preview stops counting here: a plan this long is far past MAX_PLAN_MONTHS, so staff agree it anyway.
PREVIEW_MONTHS_AT_MOST = 10 * 12

CALLBACK_TIMES = ("morning", "afternoon", "evening")
CALLBACK_CHANNELS = (Channel.PHONE, Channel.SMS, Channel.EMAIL)


def plan_minimum_monthly() -> Decimal:
    return PLAN_MINIMUM_MONTHLY[settings.BILLING_JURISDICTION]


@dataclass(frozen=True)
class PlanPreview:
    """What a monthly amount would mean for the bill, before anything is saved."""

    owed: Decimal
    monthly_amount: Decimal
    schedule: list[plans.PlannedInstalment]
    minimum: Decimal
    max_months: int

    @property
    def months(self) -> int:
        return len(self.schedule)

    @property
    def below_minimum(self) -> bool:
        return self.monthly_amount < self.minimum

    @property
    def too_long(self) -> bool:
        return self.months > self.max_months

    @property
    def single_payment(self) -> bool:
        """The amount pays the whole bill at once: that is paying later, not a plan."""
        return self.months < 2

    @property
    def within_limits(self) -> bool:
        return not (self.below_minimum or self.too_long)


def plan_preview(*, invoice: Invoice, monthly_amount: Decimal, today: date | None = None) -> PlanPreview:
    """The schedule payment_plan_create would make (patient_collections.plans): equal monthly amounts, the last
    one smaller, the first a month from today. Pure arithmetic on the invoice already loaded; no queries."""
    today = today or timezone.localdate()
    owed = invoice.patient_due
    monthly = monthly_amount.quantize(CENT)
    schedule: list[plans.PlannedInstalment] = []
    if owed > 0 and monthly > 0:
        # Past the limit the exact schedule does not matter: staff agree it with the patient.
        count = min(plans.instalment_count(owed=owed, monthly_amount=monthly), PREVIEW_MONTHS_AT_MOST)
        schedule = plans.instalment_schedule(
            amounts=plans.amounts_of_monthly(owed=owed, monthly_amount=monthly, count=count),
            first_due=plans.first_due_date(today=today),
        )
    return PlanPreview(
        owed=owed,
        monthly_amount=monthly,
        schedule=schedule,
        minimum=plan_minimum_monthly(),
        max_months=collection_services.MAX_PLAN_MONTHS,
    )


def callback_due_at(now: datetime | None = None) -> datetime:
    """When billing should call: now during office hours on a working day, otherwise 09:00 (local time)
    on the next working day."""
    local = timezone.localtime(now or timezone.now())
    if local.weekday() < 5 and OFFICE_OPENS <= local.time() < OFFICE_CLOSES:
        return local
    day = local.date()
    if local.weekday() >= 5 or local.time() >= OFFICE_CLOSES:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, OFFICE_OPENS))


def proxy_grant_of(*, user: User, patient_id: int) -> AuthorisedProxy | None:
    """The active grant through which `user` speaks for the patient today (None for the patient)."""
    today = timezone.localdate()
    grants = AuthorisedProxy.objects.filter(user_id=user.pk, patient_id=patient_id, revoked_at__isnull=True)
    return next((grant for grant in grants.order_by("id") if grant.is_active_on(today)), None)


@transaction.atomic
def callback_request_create(
    *,
    patient_id: int,
    request_key: str,
    request_note: str,
    preferred_time: str = "",
    preferred_channel: str = Channel.PHONE,
    invoice_id: int | None = None,
    proxy: AuthorisedProxy | None = None,
    role: str = Role.BILLING,
    now: datetime | None = None,
) -> FollowUpCall:
    """Put a request from the portal on the staff worklist as a callback request.

    `request_key` comes from the form the patient submitted, so sending the same form twice makes one
    request, not two.
    """
    note = request_note.strip()
    if not note:
        raise ApplicationError(_("Tell us what you would like to talk about."), field="request_note")
    if preferred_channel not in CALLBACK_CHANNELS:
        raise ApplicationError(_("Choose how we should contact you."), field="preferred_channel")
    if proxy is not None:
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Asked by %(name)s, who may speak for the patient: %(note)s") % {"name": proxy.name, "note": note}
    call, _created = collection_services.follow_up_call_open(
        idempotency_key=f"portal-{patient_id}-{request_key}"[:100],
        patient_id=patient_id,
        invoice_id=invoice_id,
        reason=FollowUpCall.Reason.CALLBACK_REQUEST,
        request_note=note[:500],
        preferred_time=preferred_time.strip()[:100],
        preferred_channel=preferred_channel,
        role=role,
        due_at=callback_due_at(now),
    )
    if call.patient_id != patient_id:
        raise NotFound(_("No such request."))
    return call


@dataclass(frozen=True)
class CannotPayOutcome:
    """What came of a patient's request to pay later: a plan, a deferral, or a request for staff."""

    plan: PaymentPlan | None = None
    deferral: Deferral | None = None
    request: FollowUpCall | None = None


@transaction.atomic
def payment_plan_request(
    *,
    invoice: Invoice,
    monthly_amount: Decimal,
    request_key: str,
    proxy: AuthorisedProxy | None = None,
    by: User | None,
) -> CannotPayOutcome:
    """Set up the plan the patient chose when it is within the limits; otherwise (or when collections
    refuses it) ask billing to agree one with the patient."""
    preview = plan_preview(invoice=invoice, monthly_amount=monthly_amount)
    if preview.single_payment:
        raise ApplicationError(
            _("This amount pays the whole bill at once. Choose a smaller amount, or choose to pay later."),
            field="monthly_amount",
        )
    refusal = ""
    if preview.within_limits:
        try:
            # A refusal goes into billing's note, so it is worded in the clinic's language; the patient never
            # replaces a deferral or plan billing agreed.
            with translation.override(settings.LANGUAGE_CODE):
                plan = collection_services.payment_plan_create(
                    invoice_id=invoice.pk, monthly_amount=preview.monthly_amount, by=by
                )
        except ApplicationError as exc:
            refusal = exc.message
        else:
            return CannotPayOutcome(plan=plan)
    # The note is for the billing office, so it is written in the clinic's language.
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Asked online to pay %(amount)s a month on invoice %(number)s (%(months)s months).") % {
            "amount": preview.monthly_amount,
            "number": invoice.number,
            "months": preview.months,
        }
    if refusal:
        note = f"{note} {refusal}"
    call = callback_request_create(
        patient_id=invoice.patient_id,
        invoice_id=invoice.pk,
        request_key=request_key,
        request_note=note,
        preferred_channel=Channel.PHONE,
        proxy=proxy,
    )
    return CannotPayOutcome(request=call)


@transaction.atomic
def deferral_request(
    *,
    invoice: Invoice,
    until: date,
    request_key: str,
    proxy: AuthorisedProxy | None = None,
    by: User | None,
) -> CannotPayOutcome:
    """Defer the bill to the date the patient chose when collections allows it (once per bill, and never over
    another deferral or a plan); otherwise ask billing, with the reason it was not done in the note."""
    try:
        # The reason and any refusal are for the billing office, so they are in the clinic's language.
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("Asked in the patient portal")
            deferral = collection_services.deferral_create(
                invoice_id=invoice.pk, until=until, reason=reason, self_service=True, by=by
            )
    except ApplicationError as exc:
        refusal = exc.message
    else:
        return CannotPayOutcome(deferral=deferral)
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Asked online to pay invoice %(number)s on %(day)s.") % {
            "number": invoice.number,
            "day": until.isoformat(),
        }
    call = callback_request_create(
        patient_id=invoice.patient_id,
        invoice_id=invoice.pk,
        request_key=request_key,
        request_note=f"{note} {refusal}",
        preferred_channel=Channel.PHONE,
        proxy=proxy,
    )
    return CannotPayOutcome(request=call)


@transaction.atomic
def proxy_grant(
    *,
    patient_id: int,
    name: str,
    email: str,
    relationship: str = "",
    valid_to: date | None = None,
    by: User | None,
) -> AuthorisedProxy:
    """The patient lets someone speak for them about bills; the person is invited to open an account."""
    today = timezone.localdate()
    if not email.strip():
        raise ApplicationError(_("Enter the person's email address, so we can send them an invitation."), field="email")
    if valid_to is not None and valid_to < today:
        raise ApplicationError(_("The end date must be today or later."), field="valid_to")
    grant = authorised_proxy_create(
        patient_id=patient_id,
        name=name,
        email=email,
        relationship=relationship,
        scope=AuthorisedProxy.Scope.BILLING,
        valid_from=today,
        valid_to=valid_to,
        document_reference=f"portal grant {today.isoformat()}",
    )
    invitation_create(patient_id=patient_id, email=grant.email, proxy_id=grant.pk, by=by)
    return grant
