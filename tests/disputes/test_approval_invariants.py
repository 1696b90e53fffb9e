"""Invariants of who may approve, property-tested on plain settings (no database)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from clinic_billing.roles import OFFICE_MANAGER, STAFF_ROLES
from disputes.permissions import ApprovalSettings, approvers_for, approving_roles, deputies

USERS = st.integers(min_value=1, max_value=8)
AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)


@st.composite
def approval_settings(draw) -> ApprovalSettings:
    holders = {role: frozenset(draw(st.sets(USERS, max_size=3))) for role in STAFF_ROLES}
    return ApprovalSettings(
        approval_threshold=draw(AMOUNTS),
        deputy_role=draw(st.sampled_from(["", *(r for r in STAFF_ROLES if r != OFFICE_MANAGER)])),
        deputy_user_id=draw(st.none() | USERS),
        holders=holders,
    )


@given(settings=approval_settings(), amount=AMOUNTS, role=st.sampled_from(STAFF_ROLES), requester=st.none() | USERS)
def test_it_never_lets_the_requester_approve(settings, amount, role, requester):
    approvers = approvers_for(amount=amount, required_role=role, requested_by_id=requester, settings=settings)
    assert requester not in approvers


@given(settings=approval_settings(), amount=AMOUNTS, role=st.sampled_from(STAFF_ROLES), requester=USERS)
def test_it_finds_an_approver_whenever_someone_other_than_the_requester_could_stand_in(
    settings, amount, role, requester
):
    approvers = approvers_for(amount=amount, required_role=role, requested_by_id=requester, settings=settings)
    deputy_people = set(settings.holders.get(settings.deputy_role, frozenset())) if settings.deputy_role else set()
    if settings.deputy_user_id in settings.active_staff:
        deputy_people.add(settings.deputy_user_id)
    if deputy_people - {requester}:
        assert approvers


@given(settings=approval_settings(), amount=AMOUNTS, role=st.sampled_from(STAFF_ROLES), requester=st.none() | USERS)
def test_it_calls_on_the_deputies_only_when_no_regular_approver_is_left(settings, amount, role, requester):
    approvers = approvers_for(amount=amount, required_role=role, requested_by_id=requester, settings=settings)
    regular = set().union(
        *(settings.holders[r] for r in approving_roles(amount=amount, required_role=role, settings=settings))
    ) - {requester}
    if regular:
        assert approvers == regular
    else:
        assert approvers == deputies(requested_by_id=requester, settings=settings)
    assert requester not in approvers


@given(settings=approval_settings(), amount=AMOUNTS, role=st.sampled_from(STAFF_ROLES), requester=st.none() | USERS)
def test_it_lets_only_office_managers_approve_above_the_threshold_while_one_is_left(settings, amount, role, requester):
    approvers = approvers_for(amount=amount, required_role=role, requested_by_id=requester, settings=settings)
    managers = settings.holders[OFFICE_MANAGER] - {requester}
    if amount > settings.approval_threshold and managers:
        assert approvers == managers
    if amount > settings.approval_threshold and not managers:
        assert approvers == deputies(requested_by_id=requester, settings=settings)
