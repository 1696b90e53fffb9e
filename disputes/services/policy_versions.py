"""Policy versions: the active policy and its snapshot for the engine; drafting, validating, simulating and
publishing the next version (earlier versions stay for history)."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError
from clinic_billing.languages import language_codes
from clinic_billing.roles import OFFICE_MANAGER, STAFF_ROLES

from .. import policy as engine
from ..models import Decision, Policy, PolicyRule


def policy_snapshot(policy: Policy) -> engine.PolicySnapshot:
    """The pure engine's view of a stored policy version."""
    rules = tuple(
        engine.Rule(
            position=r.position,
            names=dict(r.names),
            route_to=r.route_to,
            meeting_within_hours=r.meeting_within_hours,
            proposal_kind=r.proposal_kind,
            categories=frozenset(r.categories),
            min_amount=r.min_amount,
            max_amount=r.max_amount,
            insurance_statuses=frozenset(r.insurance_statuses),
            min_invoice_age_days=r.min_invoice_age_days,
            max_invoice_age_days=r.max_invoice_age_days,
            min_earlier_complaints=r.min_earlier_complaints,
            proposal_percent=r.proposal_percent,
            proposal_amount=r.proposal_amount,
            approval_role=r.approval_role or None,
            scripts=dict(r.scripts),
        )
        for r in policy.rules.all()
    )
    return engine.PolicySnapshot(
        version=policy.version,
        rules=rules,
        approval_threshold=policy.approval_threshold,
        small_claim_threshold=policy.small_claim_threshold,
        follow_up_days=policy.follow_up_days,
    )


def policy_active() -> Policy:
    policy = Policy.objects.filter(is_active=True).select_related("deputy_approver").prefetch_related("rules").first()
    if policy is None:
        raise ApplicationError(_("No active policy: the office manager must activate one."))
    return policy


@dataclass(frozen=True)
class PolicyDraft:
    """A proposed policy version as the office manager edits it: settings plus ordered rules."""

    approval_threshold: Decimal
    small_claim_threshold: Decimal
    follow_up_days: int
    rules: tuple[engine.Rule, ...]
    note: str = ""
    # Who approves when nobody but the requester may (a sole office manager's own request).
    deputy_approver_role: str = ""
    deputy_approver_id: int | None = None


def policy_draft_from(policy: Policy) -> PolicyDraft:
    snapshot = policy_snapshot(policy)
    return PolicyDraft(
        approval_threshold=snapshot.approval_threshold,
        small_claim_threshold=snapshot.small_claim_threshold,
        follow_up_days=snapshot.follow_up_days,
        rules=snapshot.rules,
        deputy_approver_role=policy.deputy_approver_role,
        deputy_approver_id=policy.deputy_approver_id,
    )


def _deputy_problems(draft: PolicyDraft) -> list[str]:
    problems = []
    if draft.deputy_approver_role and draft.deputy_approver_role not in STAFF_ROLES:
        problems.append(_("The deputy approver must be one of %(roles)s.") % {"roles": ", ".join(STAFF_ROLES)})
    if draft.deputy_approver_role == OFFICE_MANAGER:
        problems.append(
            _("The deputy approver stands in for the office manager, so it must be another role or a person.")
        )
    if not draft.deputy_approver_role and draft.deputy_approver_id is None:
        problems.append(
            _(
                "Name a deputy approver (a role, a person or both): they decide the requests nobody else may "
                "approve, such as a sole office manager's own request."
            )
        )
    if (
        draft.deputy_approver_id is not None
        and not User.objects.filter(pk=draft.deputy_approver_id, is_active=True, groups__name__in=STAFF_ROLES).exists()
    ):
        problems.append(_("The deputy approver must be an active member of staff."))
    return problems


def policy_validate(draft: PolicyDraft) -> list[str]:
    """Every reason the draft cannot become the policy; empty when it can."""
    problems = engine.validate_policy(draft.rules, small_claim_threshold=draft.small_claim_threshold)
    if draft.approval_threshold <= 0:
        problems.insert(0, _("The approval threshold must be above zero."))
    if draft.small_claim_threshold < 0:
        problems.insert(0, _("The small-claim threshold cannot be negative."))
    if not 1 <= draft.follow_up_days <= 60:
        problems.insert(0, _("The follow-up call must come 1 to 60 days after closing."))
    problems[0:0] = _deputy_problems(draft)
    return problems


@dataclass(frozen=True)
class SimulatedOutcome:
    route_to: str
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class SimulatedChange:
    complaint_id: int
    category: str
    before: SimulatedOutcome
    after: SimulatedOutcome | None  # None: the draft has no rule for these facts


@dataclass(frozen=True)
class Simulation:
    compared: int
    changes: tuple[SimulatedChange, ...]


def policy_simulate(*, draft: PolicyDraft, last: int = 200) -> Simulation:
    """Re-decide the last N complaints with the facts they were decided on; list the decisions that change."""
    snapshot = engine.PolicySnapshot(
        version=0,
        rules=draft.rules,
        approval_threshold=draft.approval_threshold,
        small_claim_threshold=draft.small_claim_threshold,
        follow_up_days=draft.follow_up_days,
    )
    decisions = list(
        Decision.objects.select_related("complaint").order_by("-decided_at", "-id")[: max(1, min(last, 5000))]
    )
    changes = []
    for stored in decisions:
        facts = engine.Facts(
            category=stored.facts["category"],
            disputed_amount=Decimal(stored.facts["disputed_amount"]),
            insurance_status=stored.facts["insurance_status"],
            invoice_age_days=int(stored.facts["invoice_age_days"]),
            earlier_complaints=int(stored.facts["earlier_complaints"]),
            channel=stored.facts.get("channel", "desk"),
        )
        before = SimulatedOutcome(stored.route_to, stored.proposal_kind, stored.proposal_amount)
        after: SimulatedOutcome | None
        try:
            new = engine.decide(facts, snapshot)
            after = SimulatedOutcome(new.route_to, new.proposal.kind, new.proposal.amount)
        except engine.PolicyError:
            after = None
        if before != after:
            changes.append(SimulatedChange(stored.complaint_id, stored.complaint.category, before, after))
    return Simulation(compared=len(decisions), changes=tuple(changes))


def _written(versions: engine.Versions) -> dict[str, str]:
    """The versions that say something, in the order of the product's languages (blank ones are missing)."""
    return {code: versions[code].strip() for code in language_codes() if versions.get(code, "").strip()}


@transaction.atomic
def policy_publish(*, draft: PolicyDraft, by: User | None) -> Policy:
    """Validate the draft and make it the active policy as the next version; earlier versions stay for history."""
    problems = policy_validate(draft)
    if problems:
        raise ApplicationError(" ".join(problems), field="rules")
    current = Policy.objects.select_for_update().filter(is_active=True).first()
    latest_version = Policy.objects.order_by("-version").values_list("version", flat=True).first() or 0
    if current is not None:
        current.is_active = False
        current.save(update_fields=["is_active"])
    policy = Policy.objects.create(
        version=latest_version + 1,
        is_active=True,
        approval_threshold=draft.approval_threshold,
        small_claim_threshold=draft.small_claim_threshold,
        follow_up_days=draft.follow_up_days,
        deputy_approver_role=draft.deputy_approver_role,
        deputy_approver_id=draft.deputy_approver_id,
        note=draft.note.strip()[:300],
        created_by=by,
    )
    PolicyRule.objects.bulk_create(
        PolicyRule(
            policy=policy,
            position=rule.position,
            names=_written(rule.names),
            categories=sorted(rule.categories),
            min_amount=rule.min_amount,
            max_amount=rule.max_amount,
            insurance_statuses=sorted(rule.insurance_statuses),
            min_invoice_age_days=rule.min_invoice_age_days,
            max_invoice_age_days=rule.max_invoice_age_days,
            min_earlier_complaints=rule.min_earlier_complaints,
            route_to=rule.route_to,
            meeting_within_hours=rule.meeting_within_hours,
            proposal_kind=rule.proposal_kind,
            proposal_percent=rule.proposal_percent,
            proposal_amount=rule.proposal_amount,
            approval_role=rule.approval_role or "",
            scripts=_written(rule.scripts),
        )
        for rule in sorted(draft.rules, key=lambda r: r.position)
    )
    return policy
