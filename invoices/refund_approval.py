"""Who may decide a refund: one answer for the refunds page, its buttons and the service.

Four-eyes as the adjustment requests of disputes do it, without deadlock: the approvers of a refund are the
office managers other than the requester. When that leaves nobody (a sole office manager's own request), the
deputy decides: every holder of the REFUND_DEPUTY_APPROVER_ROLE setting but the requester. (Disputes names its
deputy in the policy; the policy lives above this app, so refunds read theirs from the settings.) A refund
nobody but the requester could decide is refused when it is asked for (`refund_creation_refusal`).
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin, User
from django.utils.translation import gettext as _

from clinic_billing.roles import OFFICE_MANAGER

from .models import RefundRequest

APPROVE_REFUND_PERMISSION = "invoices.approve_refund"

UserLike = AbstractBaseUser | AnonymousUser


def _holders(role: str) -> set[int]:
    if not role:
        return set()
    return set(User.objects.filter(is_active=True, groups__name=role).values_list("pk", flat=True))


def refund_deputies(*, requested_by_id: int | None) -> set[int]:
    """The holders of the deputy role, never the requester."""
    return _holders(settings.REFUND_DEPUTY_APPROVER_ROLE) - {requested_by_id}


def refund_approvers(*, requested_by_id: int | None) -> set[int]:
    """Everyone who may decide a refund asked for by `requested_by_id`: the other office managers, or the
    deputies when there is none."""
    return _holders(OFFICE_MANAGER) - {requested_by_id} or refund_deputies(requested_by_id=requested_by_id)


def refund_creation_refusal(*, requested_by_id: int | None) -> str | None:
    """Why a refund asked for by this user would wait for ever (nobody else may decide it); None when someone may."""
    if refund_approvers(requested_by_id=requested_by_id):
        return None
    return _(
        "Nobody else may approve this refund: the clinic needs a second office manager, or a colleague in the "
        "deputy approver role (setting REFUND_DEPUTY_APPROVER_ROLE)."
    )


def refund_decision_refusal(user: UserLike, refund: RefundRequest) -> str | None:
    """Why `user` may not approve or reject this refund now, in their language; None when they may."""
    if refund.status != RefundRequest.Status.PENDING:
        return _("This refund was already decided.")
    if not user.is_authenticated:
        return _("Only the office manager may approve or reject a refund.")
    if refund.requested_by_id is not None and refund.requested_by_id == user.pk:
        return _("Nobody approves their own refund: another colleague must decide it.")
    approvers = refund_approvers(requested_by_id=refund.requested_by_id)
    if user.pk in approvers:
        return None
    if user.pk in refund_deputies(requested_by_id=refund.requested_by_id):
        return _("The deputy approver decides a refund only when no office manager but the requester may.")
    return _("Only the office manager may approve or reject a refund.")


def may_decide_refunds(user: UserLike, pending: list[RefundRequest]) -> bool:
    """Approvers by permission, and a deputy while some pending refund is theirs to decide."""
    has_perm = isinstance(user, PermissionsMixin) and user.has_perm(APPROVE_REFUND_PERMISSION)
    return has_perm or any(refund_decision_refusal(user, refund) is None for refund in pending)
