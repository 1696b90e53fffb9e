"""The refusal-to-pay policy engine. Pure: plain frozen dataclasses in, a Decision out; no database.

`decide(facts, policy)` picks the first rule (by position) whose conditions all match the facts and
turns its proposal into an amount. Invariants, property-tested in tests/disputes/test_policy_engine.py:
exactly one route; a proposal is never negative and never exceeds the disputed patient balance;
clinical complaints always reach a provider or the office manager; every decision names its rule and
the policy version.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# Translation only: the engine still touches no database and no request.
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from clinic_billing.languages import Localised, clinic_language, language_codes, missing_languages, pick_localised
from clinic_billing.vocabulary import InsuranceStatus, Role

from .vocabulary import (
    AFTER_INSURANCE_KINDS,
    CLINICAL_CATEGORIES,
    CLINICAL_ROUTES,
    MONEY_KINDS,
    Category,
    ComplaintChannel,
    ProposalKind,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

ROLES = tuple(Role.values)
CATEGORIES = tuple(Category.values)
PROPOSAL_KINDS = tuple(ProposalKind.values)
INSURANCE_STATUSES = tuple(InsuranceStatus.values)


class PolicyError(ValueError):
    """The policy cannot decide these facts, or a rule set is not a valid policy."""


# A text the clinic writes in several languages: {language code: text}. A rule's name and its script are two
# of them, kept as whole sets of versions from the editor to the decision, so every reader gets their own.
Versions = Mapping[str, str]


def text_in(versions: Versions, language: str | None = None) -> Localised[str] | None:
    """The version for a reader of `language` (the active language when None), with the shared fallback to the
    clinic's language; blank versions count as missing. None when no language has one."""
    written = {code: text for code, text in versions.items() if text.strip()}
    return pick_localised(written, language or get_language() or clinic_language())


def texts_missing(names: Versions, scripts: Versions) -> list[str]:
    """The languages a rule still lacks a name in, or a script in while another language has one."""
    present = {code for code, text in names.items() if text.strip()}
    scripted = {code for code, text in scripts.items() if text.strip()}
    if scripted:
        present &= scripted
    return missing_languages(present)


@dataclass(frozen=True)
class Facts:
    category: str
    disputed_amount: Decimal  # the patient's balance on the disputed lines (or the whole bill)
    insurance_status: str
    invoice_age_days: int
    earlier_complaints: int  # by the same patient, in the last 12 months
    channel: str = ComplaintChannel.DESK


@dataclass(frozen=True)
class Rule:
    position: int
    # Left out of the hash (a dict has none); rules still compare by every field.
    names: Versions = field(hash=False)
    route_to: str
    meeting_within_hours: int
    proposal_kind: str
    categories: frozenset[str] = frozenset()  # empty: any category
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    insurance_statuses: frozenset[str] = frozenset()  # empty: any status
    min_invoice_age_days: int | None = None
    max_invoice_age_days: int | None = None
    min_earlier_complaints: int | None = None
    proposal_percent: Decimal | None = None  # reduction by percent of the disputed amount
    proposal_amount: Decimal | None = None  # reduction by a fixed amount
    approval_role: str | None = None
    scripts: Versions = field(default_factory=dict, hash=False)

    @property
    def name(self) -> str:
        """The rule's name in the reader's language (or the fallback), for messages and headings."""
        chosen = text_in(self.names)
        return chosen.value if chosen else ""

    def matches(self, facts: Facts) -> bool:
        return (
            (not self.categories or facts.category in self.categories)
            and (self.min_amount is None or facts.disputed_amount >= self.min_amount)
            and (self.max_amount is None or facts.disputed_amount <= self.max_amount)
            and (not self.insurance_statuses or facts.insurance_status in self.insurance_statuses)
            and (self.min_invoice_age_days is None or facts.invoice_age_days >= self.min_invoice_age_days)
            and (self.max_invoice_age_days is None or facts.invoice_age_days <= self.max_invoice_age_days)
            and (self.min_earlier_complaints is None or facts.earlier_complaints >= self.min_earlier_complaints)
        )

    def covers(self, other: "Rule") -> bool:
        """True when this rule matches every fact `other` matches (so `other`, placed after it, never fires)."""

        def set_covers(mine: frozenset[str], theirs: frozenset[str]) -> bool:
            return not mine or (bool(theirs) and theirs <= mine)

        def low_covers(mine: Decimal | int | None, theirs: Decimal | int | None) -> bool:
            return mine is None or (theirs is not None and theirs >= mine)

        def high_covers(mine: Decimal | int | None, theirs: Decimal | int | None) -> bool:
            return mine is None or (theirs is not None and theirs <= mine)

        return (
            set_covers(self.categories, other.categories)
            and set_covers(self.insurance_statuses, other.insurance_statuses)
            and low_covers(self.min_amount, other.min_amount)
            and high_covers(self.max_amount, other.max_amount)
            and low_covers(self.min_invoice_age_days, other.min_invoice_age_days)
            and high_covers(self.max_invoice_age_days, other.max_invoice_age_days)
            and low_covers(self.min_earlier_complaints, other.min_earlier_complaints)
        )

    @property
    def is_unconditional_for_its_categories(self) -> bool:
        return (
            self.min_amount is None
            and self.max_amount is None
            and not self.insurance_statuses
            and self.min_invoice_age_days is None
            and self.max_invoice_age_days is None
            and self.min_earlier_complaints is None
        )


@dataclass(frozen=True)
class PolicySnapshot:
    version: int
    rules: tuple[Rule, ...]
    approval_threshold: Decimal  # above it only the office manager may approve
    small_claim_threshold: Decimal
    follow_up_days: int = 3


@dataclass(frozen=True)
class Proposal:
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class Decision:
    route_to: str
    meeting_within_hours: int
    proposal: Proposal
    approval_role: str | None
    rule_position: int
    rule_names: Versions
    policy_version: int
    scripts: Versions
    notes: tuple[str, ...] = field(default=())

    @property
    def rule_name(self) -> str:
        """The deciding rule's name in the reader's language (or the fallback)."""
        chosen = text_in(self.rule_names)
        return chosen.value if chosen else ""


def _proposal_amount(rule: Rule, facts: Facts) -> Decimal:
    disputed = max(facts.disputed_amount, ZERO)
    if rule.proposal_kind == ProposalKind.REDUCTION:
        if rule.proposal_percent is not None:
            raw = (disputed * rule.proposal_percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
        elif rule.proposal_amount is not None:
            raw = rule.proposal_amount
        else:
            raw = disputed
    elif rule.proposal_kind in (
        ProposalKind.WRITE_OFF,
        ProposalKind.SMALL_CLAIM_CREDIT,
        ProposalKind.PAYMENT_PLAN,
        ProposalKind.DEFERRAL,
    ):
        raw = disputed
    else:
        raw = ZERO
    return min(max(raw, ZERO), disputed)


def decide(facts: Facts, policy: PolicySnapshot) -> Decision:
    """Route a complaint, set the meeting deadline and propose what may be offered, by the first matching rule."""
    rule = next((r for r in sorted(policy.rules, key=lambda r: r.position) if r.matches(facts)), None)
    if rule is None:
        raise PolicyError(
            _("Policy version %(version)s has no rule for complaints about %(category)s.")
            % {"version": policy.version, "category": facts.category.replace("_", " ")}
        )
    notes: list[str] = []
    route_to = rule.route_to
    if facts.category in CLINICAL_CATEGORIES and route_to not in CLINICAL_ROUTES:
        route_to = Role.OFFICE_MANAGER
        notes.append("clinical complaint routed to the office manager")
    kind = rule.proposal_kind
    amount = _proposal_amount(rule, facts)
    if kind in AFTER_INSURANCE_KINDS and facts.insurance_status == InsuranceStatus.PENDING:
        notes.append(f"{kind} waits until the insurer has settled")
        kind, amount = ProposalKind.HOLD_FOR_INSURANCE, ZERO
    if kind == ProposalKind.SMALL_CLAIM_CREDIT and facts.disputed_amount > policy.small_claim_threshold:
        notes.append("above the small-claim threshold: explain instead of crediting")
        kind, amount = ProposalKind.EXPLANATION, ZERO
    if kind in MONEY_KINDS and amount == ZERO:
        kind = ProposalKind.EXPLANATION
    approval_role: str | None = None
    if kind in MONEY_KINDS:
        approval_role = rule.approval_role or Role.OFFICE_MANAGER
        if amount > policy.approval_threshold:
            approval_role = Role.OFFICE_MANAGER
    return Decision(
        route_to=route_to,
        meeting_within_hours=rule.meeting_within_hours,
        proposal=Proposal(kind=kind, amount=amount),
        approval_role=approval_role,
        rule_position=rule.position,
        rule_names=dict(rule.names),
        policy_version=policy.version,
        scripts=dict(rule.scripts),
        notes=tuple(notes),
    )


def validate_policy(rules: tuple[Rule, ...], *, small_claim_threshold: Decimal) -> list[str]:
    """Every problem that would make a policy unsafe to use, in the reader's language; empty means valid."""
    problems: list[str] = []
    ordered = sorted(rules, key=lambda r: r.position)
    positions = [r.position for r in ordered]
    if len(set(positions)) != len(positions):
        problems.append(_("Two rules share a position; each rule needs its own place in the order."))
    roles = ", ".join(ROLES)
    for rule in ordered:
        label = _("Rule %(position)s (%(name)s)") % {"position": rule.position, "name": rule.name}

        def problem(message: str, **values: object) -> None:
            problems.append(_("%(rule)s: %(problem)s") % {"rule": label, "problem": message % values})  # noqa: B023

        if text_in(rule.names) is None:
            problem(_("give the rule a name in at least one language."))
        if unknown := (set(rule.names) | set(rule.scripts)) - set(language_codes()):
            problem(_("unknown languages %(languages)s."), languages=", ".join(sorted(unknown)))

        if rule.route_to not in ROLES:
            problem(_("route to one of %(roles)s."), roles=roles)
        if rule.proposal_kind not in PROPOSAL_KINDS:
            problem(_("unknown proposal kind %(kind)s."), kind=rule.proposal_kind)
        if unknown := set(rule.categories) - set(CATEGORIES):
            problem(_("unknown categories %(categories)s."), categories=", ".join(sorted(unknown)))
        if unknown := set(rule.insurance_statuses) - set(INSURANCE_STATUSES):
            problem(_("unknown insurance statuses %(statuses)s."), statuses=", ".join(sorted(unknown)))
        if rule.meeting_within_hours <= 0:
            problem(_("the meeting deadline must be at least one hour."))
        if rule.approval_role is not None and rule.approval_role not in ROLES:
            problem(_("the approver must be one of %(roles)s."), roles=roles)
        if rule.proposal_percent is not None and not ZERO < rule.proposal_percent <= Decimal(100):
            problem(_("a reduction percent must be above 0 and at most 100."))
        if rule.proposal_amount is not None and rule.proposal_amount <= ZERO:
            problem(_("a fixed reduction must be above zero."))
        if rule.min_amount is not None and rule.max_amount is not None and rule.min_amount > rule.max_amount:
            problem(_("the lowest amount is above the highest."))
        if rule.proposal_kind == ProposalKind.SMALL_CLAIM_CREDIT and (
            rule.max_amount is None or rule.max_amount > small_claim_threshold
        ):
            problem(
                _("a small-claim credit needs a highest amount at or below the threshold (%(threshold)s)."),
                threshold=small_claim_threshold,
            )
        clinical = not rule.categories or set(rule.categories) & set(CLINICAL_CATEGORIES)
        if clinical and rule.route_to not in CLINICAL_ROUTES:
            problem(_("clinical complaints must go to a provider or the office manager."))
    for later_index, later in enumerate(ordered):
        for earlier in ordered[:later_index]:
            if earlier.covers(later):
                problems.append(
                    _(
                        "Rule %(later)s (%(later_name)s) can never apply: rule %(earlier)s (%(earlier_name)s) "
                        "above it matches every case it matches. Reorder or narrow them."
                    )
                    % {
                        "later": later.position,
                        "later_name": later.name,
                        "earlier": earlier.position,
                        "earlier_name": earlier.name,
                    }
                )
                break
    for category in CATEGORIES:
        if not any(
            (not r.categories or category in r.categories) and r.is_unconditional_for_its_categories for r in ordered
        ):
            problems.append(
                _(
                    "No rule catches every %(category)s complaint: add a last rule for it without amount, "
                    "insurance, age or repeat conditions."
                )
                % {"category": category.replace("_", " ")}
            )
    return problems
