"""What may this user do now with a notice, the print batch or a payment plan: one answer for pages, API and
services.

Each action has one function that returns why the user may not take it now, in their language, or None when
they may. A page shows the button, and the API says the action is available, only when the function the
service checks says yes, so nobody sees a button that then refuses. `None` as the user is the system (a
sweep, a management command): it is never refused for want of a permission.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.utils.translation import gettext as _

from clinic_billing.lifecycle import may_transition, refuse

from .models import Deferral, PaymentPlan, Reminder

# Billing and the office manager settle notices whose outcome is unknown and print the day's letters.
SETTLE_NOTICE_PERMISSION = "patient_collections.change_reminder"
PRINT_BATCH_PERMISSION = "patient_collections.change_reminder"
# A plan the patient is keeping ends when staff who arrange plans or deferrals (the front desk, billing, the
# office manager) replace it by a new one; the page or endpoint of the new arrangement asks for its own.
CANCEL_PLAN_PERMISSIONS = ("patient_collections.add_paymentplan", "patient_collections.add_deferral")

UserLike = AbstractBaseUser | AnonymousUser


def _has_perm(user: UserLike, perm: str) -> bool:
    return isinstance(user, PermissionsMixin | AnonymousUser) and user.has_perm(perm)


def _settle_refusal(user: UserLike | None) -> str | None:
    if user is None or _has_perm(user, SETTLE_NOTICE_PERMISSION):
        return None
    return _("Only billing or the office manager settles a notice whose outcome is unknown.")


def reminder_confirm_sent_refusal(user: UserLike | None, reminder: Reminder) -> str | None:
    """Why `user` may not record that this notice went out after all; None when they may."""
    if reminder.status != Reminder.Status.UNCERTAIN:
        return _("Only a notice whose outcome is unknown can be confirmed as sent.")
    return _settle_refusal(user)


def reminder_resend_refusal(user: UserLike | None, reminder: Reminder) -> str | None:
    """Why `user` may not send this notice again; None when they may."""
    if reminder.status != Reminder.Status.UNCERTAIN:
        return _("Only a notice whose outcome is unknown can be sent again.")
    return _settle_refusal(user)


def print_batch_refusal(user: UserLike | None) -> str | None:
    """Why `user` may not print today's batch (record the waiting letters as sent); None when they may."""
    if user is None or _has_perm(user, PRINT_BATCH_PERMISSION):
        return None
    return _("Billing prints the letters in today's batch.")


def payment_plan_cancel_refusal(user: UserLike | None, plan: PaymentPlan) -> str | None:
    """Why `user` may not cancel this plan, as replacing it by a new plan or a deferral does; None when they
    may."""
    if not may_transition(plan, PaymentPlan.Status.CANCELLED):
        return refuse(PaymentPlan, plan.status, PaymentPlan.Status.CANCELLED).message
    if user is None or any(_has_perm(user, perm) for perm in CANCEL_PLAN_PERMISSIONS):
        return None
    return _("Only the front desk, billing or the office manager may cancel or replace a payment plan.")


def arrangement_replace_refusal(user: UserLike | None, current: PaymentPlan | Deferral | None) -> str | None:
    """Why `user` may not replace the arrangement that holds an invoice by a new plan or deferral; None when
    they may, or when nothing holds it. Replacing a plan cancels it; a deferral that is replaced just ends."""
    if isinstance(current, PaymentPlan):
        return payment_plan_cancel_refusal(user, current)
    return None
