"""The pure policy engine: invariants by hypothesis, scenarios from real billing offices, no database."""

import copy
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disputes.default_policy import DEFAULT_SETTINGS, default_rules
from disputes.policy import (
    CATEGORIES,
    CLINICAL_ROUTES,
    INSURANCE_STATUSES,
    PROPOSAL_KINDS,
    ROLES,
    Facts,
    PolicyError,
    PolicySnapshot,
    Rule,
    decide,
    validate_policy,
)

THRESHOLD = Decimal("300.00")


def snapshot(rules=None, version=1) -> PolicySnapshot:
    if rules is None:
        rules = tuple(
            Rule(position=i, **{**r, "categories": frozenset(r["categories"])})
            for i, r in enumerate(default_rules(THRESHOLD), start=1)
        )
    return PolicySnapshot(
        version=version,
        rules=rules,
        approval_threshold=DEFAULT_SETTINGS["approval_threshold"],
        small_claim_threshold=THRESHOLD,
    )


DEFAULT = snapshot()
money = st.decimals(min_value=Decimal("-50"), max_value=Decimal("100000"), places=2, allow_nan=False)
facts_strategy = st.builds(
    Facts,
    category=st.sampled_from(CATEGORIES),
    disputed_amount=money,
    insurance_status=st.sampled_from(INSURANCE_STATUSES),
    invoice_age_days=st.integers(0, 2000),
    earlier_complaints=st.integers(0, 20),
    channel=st.sampled_from(["desk", "phone", "portal", "email", "letter"]),
)
rule_strategy = st.builds(
    Rule,
    position=st.integers(1, 50),
    names=st.dictionaries(st.sampled_from(["en", "nb"]), st.text(min_size=1, max_size=10), min_size=1),
    route_to=st.sampled_from(ROLES),
    meeting_within_hours=st.integers(1, 200),
    proposal_kind=st.sampled_from(PROPOSAL_KINDS),
    categories=st.frozensets(st.sampled_from(CATEGORIES), max_size=3),
    min_amount=st.none() | money,
    max_amount=st.none() | money,
    proposal_percent=st.none() | st.decimals(min_value=Decimal("0.01"), max_value=Decimal("150"), places=2),
    proposal_amount=st.none() | money,
    approval_role=st.none() | st.sampled_from(ROLES),
)


def test_the_default_policy_is_valid():
    assert validate_policy(DEFAULT.rules, small_claim_threshold=THRESHOLD) == []


@given(facts=facts_strategy)
def test_it_decides_every_case_with_the_default_policy(facts):
    decision = decide(facts, DEFAULT)
    assert decision.route_to in ROLES
    assert decision.rule_names and decision.policy_version == 1


@given(facts=facts_strategy, rules=st.lists(rule_strategy, min_size=1, max_size=6))
def test_no_proposal_is_negative_or_above_the_disputed_balance(facts, rules):
    catch_all = Rule(
        position=99,
        names={"en": "catch-all"},
        route_to="office_manager",
        meeting_within_hours=24,
        proposal_kind="explanation",
    )
    decision = decide(facts, snapshot((*tuple(rules), catch_all)))
    assert decision.proposal.amount >= 0
    assert decision.proposal.amount <= max(facts.disputed_amount, Decimal("0"))
    assert decision.proposal.amount == decision.proposal.amount.quantize(Decimal("0.01"))


@given(facts=facts_strategy, rules=st.lists(rule_strategy, min_size=1, max_size=6))
def test_clinical_complaints_always_reach_a_provider_or_the_office_manager(facts, rules):
    catch_all = Rule(
        position=99,
        names={"en": "catch-all"},
        route_to="front_desk",
        meeting_within_hours=24,
        proposal_kind="explanation",
    )
    decision = decide(replace(facts, category="care_quality"), snapshot((*tuple(rules), catch_all)))
    assert decision.route_to in CLINICAL_ROUTES


@given(facts=facts_strategy)
def test_every_decision_names_its_rule_and_version(facts):
    decision = decide(facts, snapshot(DEFAULT.rules, version=7))
    assert decision.policy_version == 7
    assert decision.rule_names == next(r.names for r in DEFAULT.rules if r.position == decision.rule_position)


@given(facts=facts_strategy, earlier=facts_strategy, order=st.permutations(range(len(DEFAULT.rules))))
def test_it_is_deterministic(facts, earlier, order):
    """The decision follows from the facts and the policy alone: not from what was decided before, from which
    objects carry them, nor from the order the rules are stored in (they apply by position)."""
    expected = decide(facts, DEFAULT)
    decide(earlier, DEFAULT)
    same_policy_rebuilt = replace(snapshot(), rules=tuple(copy.deepcopy(DEFAULT.rules[i]) for i in order))

    assert decide(copy.deepcopy(facts), same_policy_rebuilt) == expected


@given(facts=facts_strategy)
def test_money_proposals_name_an_approver_and_big_ones_need_the_manager(facts):
    decision = decide(facts, DEFAULT)
    if decision.proposal.kind in ("reduction", "write_off", "small_claim_credit"):
        assert decision.approval_role in ROLES
        if decision.proposal.amount > DEFAULT.approval_threshold:
            assert decision.approval_role == "office_manager"
    else:
        assert decision.approval_role is None


def test_it_refuses_facts_no_rule_matches():
    only_billing = (Rule(1, "billing", "billing", 24, "explanation", categories=frozenset({"billing_error"})),)
    with pytest.raises(PolicyError):
        decide(Facts("cannot_pay", Decimal("10"), "none", 1, 0), snapshot(only_billing))


def facts(category, amount="500.00", insurance="settled", earlier=0):
    return Facts(category, Decimal(amount), insurance, 30, earlier, "phone")


# One scenario per point of "what real billing offices told us".


def test_a_clinical_complaint_meets_the_provider_within_hours():
    decision = decide(facts("care_quality"), DEFAULT)
    assert decision.route_to == "provider"
    assert decision.meeting_within_hours <= 4


def test_it_offers_to_write_off_the_balance_after_insurance():
    decision = decide(facts("care_quality", "640.00", "settled"), DEFAULT)
    assert (decision.proposal.kind, decision.proposal.amount) == ("write_off", Decimal("640.00"))
    assert decision.approval_role == "office_manager"


def test_it_holds_reductions_until_the_insurer_settles():
    decision = decide(facts("service_incident", insurance="pending"), DEFAULT)
    assert decision.proposal.kind == "hold_for_insurance"
    assert decision.proposal.amount == Decimal("0.00")


def test_a_question_about_what_the_invoice_is_for_goes_to_the_provider_not_collections():
    decision = decide(facts("invoice_question"), DEFAULT)
    assert decision.route_to == "provider"
    assert decision.proposal.kind == "explanation"


def test_an_exemption_card_misunderstanding_gets_an_explanation_not_a_reduction():
    decision = decide(facts("coverage_misunderstanding"), DEFAULT)
    assert (decision.route_to, decision.proposal.kind) == ("front_desk", "explanation")
    assert "frikort" in decision.scripts["en"]


def test_a_separate_lab_charge_gets_an_explanation():
    assert decide(facts("partial_payment"), DEFAULT).proposal.kind == "explanation"


def test_a_small_billing_error_is_credited():
    decision = decide(facts("billing_error", "120.00"), DEFAULT)
    assert (decision.proposal.kind, decision.proposal.amount) == ("small_claim_credit", Decimal("120.00"))


def test_a_larger_billing_error_is_corrected_by_reduction():
    decision = decide(facts("billing_error", "2400.00"), DEFAULT)
    assert decision.proposal.kind == "reduction"
    assert decision.approval_role == "office_manager"  # above the approval threshold


def test_cannot_pay_a_large_balance_gets_a_plan_and_a_small_one_a_deferral():
    assert decide(facts("cannot_pay", "4000.00"), DEFAULT).proposal.kind == "payment_plan"
    assert decide(facts("cannot_pay", "200.00"), DEFAULT).proposal.kind == "deferral"


def test_the_script_tells_staff_to_listen_and_never_argue():
    script = decide(facts("service_incident"), DEFAULT).scripts["en"]
    assert "without interrupting" in script and "Never argue" in script


def test_validation_finds_an_unrouted_category():
    rules = tuple(r for r in DEFAULT.rules if "cannot_pay" not in r.categories)
    problems = validate_policy(rules, small_claim_threshold=THRESHOLD)
    assert any("cannot pay" in p for p in problems)


def test_validation_finds_a_rule_that_can_never_apply():
    first = DEFAULT.rules[0]
    shadowed = replace(first, position=100, names={"en": "duplicate of the first"})
    problems = validate_policy((*DEFAULT.rules, shadowed), small_claim_threshold=THRESHOLD)
    assert any("can never apply" in p for p in problems)


def test_validation_refuses_a_clinical_rule_routed_to_the_front_desk():
    bad = replace(DEFAULT.rules[0], route_to="front_desk")
    problems = validate_policy((bad, *DEFAULT.rules[1:]), small_claim_threshold=THRESHOLD)
    assert any("clinical" in p for p in problems)


def test_validation_refuses_a_small_claim_credit_above_the_threshold():
    bad = replace(DEFAULT.rules[2], max_amount=Decimal("5000.00"))
    problems = validate_policy((*DEFAULT.rules[:2], bad, *DEFAULT.rules[3:]), small_claim_threshold=THRESHOLD)
    assert any("small-claim" in p for p in problems)
