"""What may this user do now with a complaint or an adjustment request: one answer for pages, API and services.

A page shows a button only when the same function the service checks says yes, so nobody sees a button that
then refuses.

Approvals are four-eyes without deadlock: the approvers of a request are the office managers, and below the
policy's threshold also the holders of the rule's approval role, never the requester. When that leaves
nobody (a sole office manager's own request), the policy's deputy decides: every holder of the deputy role
and/or the named deputy. A request that nobody may approve cannot be created (`creation_refusal`).

A request comes from a complaint (the proposal the patient accepted) or from a collection case (the provider or
the office manager chose to credit the claim); the same rules decide both.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, NotFound, PermissionDenied
from clinic_billing.lifecycle import may_transition, refuse
from clinic_billing.roles import FRONT_DESK, OFFICE_MANAGER, STAFF_ROLES, user_roles
from invoices.templatetags.money import money

from .models import AdjustmentRequest, Complaint, Policy, ProposalKind

APPROVE_PERMISSION = "disputes.approve_adjustment"
CLOSE_PERMISSION = "disputes.close_complaint"
MEET_PERMISSION = "disputes.add_complaint"

# Who may record the meeting for a complaint routed to a role. The desk and billing record meetings the
# provider held; a complaint routed to the office manager is the office manager's to meet.
MEETING_RECORDERS: Mapping[str, frozenset[str]] = {
    role: frozenset({OFFICE_MANAGER}) if role == OFFICE_MANAGER else frozenset(STAFF_ROLES) for role in STAFF_ROLES
}
# Proposals the front desk may close itself when the complaint is routed to it: explaining moves no money.
FRONT_DESK_CLOSES = frozenset({ProposalKind.EXPLANATION})

UserLike = AbstractBaseUser | AnonymousUser


def _has_perm(user: UserLike, perm: str) -> bool:
    return isinstance(user, PermissionsMixin | AnonymousUser) and user.has_perm(perm)


@dataclass(frozen=True)
class ApprovalSettings:
    """The active policy's approval settings and the active holders of each staff role (two queries)."""

    approval_threshold: Decimal
    deputy_role: str
    deputy_user_id: int | None
    holders: Mapping[str, frozenset[int]]

    @property
    def active_staff(self) -> frozenset[int]:
        return frozenset().union(*self.holders.values())


def approval_settings(policy: Policy | None = None) -> ApprovalSettings:
    """Load the settings once per page (or per service call); pass them on to the functions below."""
    policy = policy or Policy.objects.filter(is_active=True).first()
    if policy is None:
        raise ApplicationError(_("No active policy: the office manager must activate one."))
    holders: dict[str, set[int]] = {role: set() for role in STAFF_ROLES}
    for user_id, role in User.objects.filter(is_active=True, groups__name__in=STAFF_ROLES).values_list(
        "pk", "groups__name"
    ):
        holders[role].add(user_id)
    return ApprovalSettings(
        approval_threshold=policy.approval_threshold,
        deputy_role=policy.deputy_approver_role,
        deputy_user_id=policy.deputy_approver_id,
        holders={role: frozenset(ids) for role, ids in holders.items()},
    )


def _holders_of(roles: Iterable[str], settings: ApprovalSettings) -> set[int]:
    return set().union(*(settings.holders.get(role, frozenset()) for role in roles))


def approving_roles(*, amount: Decimal, required_role: str, settings: ApprovalSettings) -> set[str]:
    """The office manager always; the rule's role too while the amount is not above the threshold."""
    roles: set[str] = {OFFICE_MANAGER}
    if amount <= settings.approval_threshold and required_role:
        roles.add(required_role)
    return roles


def deputies(*, requested_by_id: int | None, settings: ApprovalSettings) -> set[int]:
    ids = _holders_of([settings.deputy_role] if settings.deputy_role else [], settings)
    if settings.deputy_user_id is not None and settings.deputy_user_id in settings.active_staff:
        ids.add(settings.deputy_user_id)
    ids.discard(requested_by_id)  # type: ignore[arg-type]
    return ids


def approvers_for(
    *, amount: Decimal, required_role: str, requested_by_id: int | None, settings: ApprovalSettings
) -> set[int]:
    """Everyone who may decide a request like this one: the regular approvers, or the deputies if none."""
    regular = _holders_of(approving_roles(amount=amount, required_role=required_role, settings=settings), settings)
    regular.discard(requested_by_id)  # type: ignore[arg-type]
    return regular or deputies(requested_by_id=requested_by_id, settings=settings)


def creation_refusal(
    *, amount: Decimal, required_role: str, requested_by_id: int | None, settings: ApprovalSettings
) -> str | None:
    """Why a request like this one cannot be created (nobody but the requester could approve it, so it would
    wait for ever); None when someone may. Every path that creates a request asks this first."""
    if approvers_for(amount=amount, required_role=required_role, requested_by_id=requested_by_id, settings=settings):
        return None
    return _(
        "Nobody else may approve this request. The office manager must name a deputy approver "
        "(a role or a person) in the policy first."
    )


def adjustment_request_refusal(
    user: UserLike, adjustment: AdjustmentRequest, *, settings: ApprovalSettings | None = None
) -> str | None:
    """Why `user` may not approve or reject this pending request, in their language; None when they may."""
    if adjustment.status != AdjustmentRequest.Status.PENDING:
        return _("This request was already decided.")
    if not user.is_authenticated:
        return _("Only the office manager may decide this request.")
    if adjustment.requested_by_id is not None and adjustment.requested_by_id == user.pk:
        return _("Nobody approves their own request: another colleague must decide it.")
    settings = settings or approval_settings()
    approvers = approvers_for(
        amount=adjustment.amount,
        required_role=adjustment.required_role,
        requested_by_id=adjustment.requested_by_id,
        settings=settings,
    )
    if user.pk in approvers:
        return None
    deputy_ids = deputies(requested_by_id=adjustment.requested_by_id, settings=settings)
    if user.pk in deputy_ids:
        return _("The deputy approver decides only when nobody else may; a colleague with the approving role decides.")
    if approvers and approvers <= deputy_ids:
        # Nobody with the approving role but the requester (a sole office manager's own request): telling the
        # reader "only the office manager" would send them to the one person who may not decide it.
        return _(
            "Only the deputy approver named in the policy may decide this request: it was asked for by the one "
            "colleague with the approving role."
        )
    if adjustment.amount > settings.approval_threshold:
        return _("Above %(threshold)s only the office manager may approve.") % {
            "threshold": money(settings.approval_threshold)
        }
    return _("Only the office manager may decide this request.")


def adjustment_request_can_approve(
    user: UserLike, adjustment: AdjustmentRequest, *, settings: ApprovalSettings | None = None
) -> bool:
    """Whether `user` may approve (or reject) the request now: the page's buttons, the API and the service."""
    return adjustment_request_refusal(user, adjustment, settings=settings) is None


def may_open_approval_queue(user: UserLike, pending: Iterable[AdjustmentRequest], settings: ApprovalSettings) -> bool:
    """Approvers by permission, and a deputy while some pending request is theirs to decide."""
    return _has_perm(user, APPROVE_PERMISSION) or any(
        adjustment_request_can_approve(user, adjustment, settings=settings) for adjustment in pending
    )


def approval_queue_for(
    user: UserLike, adjustments: QuerySet[AdjustmentRequest], settings: ApprovalSettings
) -> QuerySet[AdjustmentRequest] | list[AdjustmentRequest] | None:
    """What the approval queue (page and API list) shows `user` of `adjustments`: all of them to an approver by
    permission; to anyone else (a deputy approver), only the pending ones theirs to decide now; None when
    nothing is theirs, so the queue is closed to them."""
    if _has_perm(user, APPROVE_PERMISSION):
        return adjustments
    pending = adjustments.filter(status=AdjustmentRequest.Status.PENDING)
    mine = [adjustment for adjustment in pending if adjustment_request_can_approve(user, adjustment, settings=settings)]
    return mine if may_open_approval_queue(user, mine, settings) else None


def adjustment_decider_check(user: UserLike, adjustment_id: int) -> AdjustmentRequest:
    """May `user` ask to approve or reject this request at all? Checked before the input is read, by the
    page and the API alike. Holders of the approve permission may ask (the service then applies four-eyes,
    the role and the threshold, and says why it refuses); anyone else only when the request is theirs to
    decide now (a deputy approver). Raises NotFound or PermissionDenied; returns the request."""
    adjustment = AdjustmentRequest.objects.filter(pk=adjustment_id).first()
    if adjustment is None:
        raise NotFound(_("No such adjustment request."))
    if _has_perm(user, APPROVE_PERMISSION):
        return adjustment
    refusal = adjustment_request_refusal(user, adjustment)
    if refusal:
        raise PermissionDenied(refusal)
    return adjustment


# --- Complaints ----------------------------------------------------------------------------------------------


def complaint_meeting_refusal(user: UserLike | None, complaint: Complaint) -> str | None:
    """Why `user` may not record the meeting; None when they may (None for the system)."""
    if not may_transition(complaint, Complaint.Status.MET):
        return refuse(Complaint, complaint.status, Complaint.Status.MET).message
    if user is None or getattr(user, "is_superuser", False):
        return None
    if not _has_perm(user, MEET_PERMISSION) or not user_roles(user) & MEETING_RECORDERS[complaint.route_to]:
        return _("This complaint is routed to the office manager: only the office manager records the meeting.")
    return None


def complaint_close_refusal(user: UserLike | None, complaint: Complaint, proposal_kind: str) -> str | None:
    """Why `user` may not close the complaint; None when they may (None for the system).

    Closing is billing's, the office manager's and the provider's work; the front desk also closes an
    explanation-only complaint routed to the front desk, which it has just explained.
    """
    if user is None or _has_perm(user, CLOSE_PERMISSION):
        return None
    roles = user_roles(user)
    if FRONT_DESK in roles and complaint.route_to == FRONT_DESK and proposal_kind in FRONT_DESK_CLOSES:
        return None
    return _("Only billing, a provider or the office manager may close this complaint.")


@dataclass(frozen=True)
class ComplaintActions:
    """The buttons a complaint page shows this user now."""

    meet: bool
    close: bool


def complaint_actions(user: UserLike, complaint: Complaint) -> ComplaintActions:
    open_ = complaint.is_open
    return ComplaintActions(
        meet=open_ and complaint_meeting_refusal(user, complaint) is None,
        close=open_ and complaint_close_refusal(user, complaint, complaint.decision.proposal_kind) is None,
    )
