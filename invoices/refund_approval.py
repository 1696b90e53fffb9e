"""Who may decide a refund: one answer for the refunds page, its buttons and the service.

Four-eyes as the adjustment requests of disputes do it, without deadlock: the approvers of a refund are the
office managers other than the requester. When that leaves nobody (a sole office manager's own request), the
deputy decides: every holder of the REFUND_DEPUTY_APPROVER_ROLE setting but the requester. (Disputes names its
deputy in the policy; the policy lives above this app, so refunds read theirs from the settings.) A refund
nobody but the requester could decide is refused when it is asked for (`refund_creation_refusal`).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils.translation import gettext as _

from clinic_billing.roles import OFFICE_MANAGER

from .models import RefundRequest

APPROVE_REFUND_PERMISSION = "invoices.approve_refund"

UserLike = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class ApproverRoster:
    """The active office managers and holders of the deputy role, read once per page or service call."""

    office_managers: frozenset[int]
    deputies: frozenset[int]


def approver_roster() -> ApproverRoster:
    """One query: who holds the office manager's role and the deputy role now."""
    deputy_role = settings.REFUND_DEPUTY_APPROVER_ROLE
    holders: dict[str, set[int]] = {OFFICE_MANAGER: set(), deputy_role: set()}
    roles = [role for role in holders if role]
    for user_id, role in User.objects.filter(is_active=True, groups__name__in=roles).values_list("pk", "groups__name"):
        holders[role].add(user_id)
    return ApproverRoster(
        office_managers=frozenset(holders[OFFICE_MANAGER]),
        deputies=frozenset(holders[deputy_role]) if deputy_role else frozenset(),
    )


def refund_deputies(*, requested_by_id: int | None, roster: ApproverRoster | None = None) -> set[int]:
    """The holders of the deputy role, never the requester."""
    return set((roster or approver_roster()).deputies) - {requested_by_id}


def refund_approvers(*, requested_by_id: int | None, roster: ApproverRoster | None = None) -> set[int]:
    """Everyone who may decide a refund asked for by `requested_by_id`: the other office managers, or the
    deputies when there is none."""
    roster = roster or approver_roster()
    return set(roster.office_managers) - {requested_by_id} or refund_deputies(
        requested_by_id=requested_by_id, roster=roster
    )


def refund_creation_refusal(*, requested_by_id: int | None) -> str | None:
    """Why a refund asked for by this user would wait for ever (nobody else may decide it); None when someone may."""
    if refund_approvers(requested_by_id=requested_by_id):
        return None
    return _(
        "Nobody else may approve this refund: the clinic needs a second office manager, or a colleague in the "
        "deputy approver role (setting REFUND_DEPUTY_APPROVER_ROLE)."
    )


def refund_decision_refusal(
    user: UserLike, refund: RefundRequest, *, roster: ApproverRoster | None = None
) -> str | None:
    """Why `user` may not approve or reject this refund now, in their language; None when they may."""
    if refund.status != RefundRequest.Status.PENDING:
        return _("This refund was already decided.")
    if not user.is_authenticated:
        return _("Only the office manager may approve or reject a refund.")
    if refund.requested_by_id is not None and refund.requested_by_id == user.pk:
        return _("Nobody approves their own refund: another colleague must decide it.")
    roster = roster or approver_roster()
    if user.pk in refund_approvers(requested_by_id=refund.requested_by_id, roster=roster):
        return None
    if user.pk in refund_deputies(requested_by_id=refund.requested_by_id, roster=roster):
        return _("The deputy approver decides a refund only when no office manager but the requester may.")
    return _("Only the office manager may approve or reject a refund.")


def refund_refusals(user: UserLike, refunds: list[RefundRequest]) -> dict[int, str | None]:
    """Why `user` may not decide each refund (None where they may): one query for the whole list."""
    roster = approver_roster()
    return {refund.pk: refund_decision_refusal(user, refund, roster=roster) for refund in refunds}
