"""Each vocabulary has one home, and every place that stores or decides by one of its words uses exactly its set:
the policy engine, the model fields, the role groups the migrations create."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import models

from clinic_billing.roles import STAFF_ROLES
from clinic_billing.vocabulary import InsuranceStatus, Role
from disputes import policy
from disputes.policy import Rule, validate_policy
from disputes.vocabulary import Category, ComplaintChannel, ProposalKind
from patient_collections import schedule
from patient_collections.vocabulary import NoticeType
from patients.models import Channel

VOCABULARIES: list[type[models.TextChoices]] = [
    Role,
    InsuranceStatus,
    Category,
    ProposalKind,
    ComplaintChannel,
    NoticeType,
    Channel,
]
PROJECT_APPS = {"patients", "invoices", "disputes", "patient_collections", "portal", "mfa", "session_policy"}


def _fields_with_choices() -> list[tuple[str, set[str]]]:
    fields = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None)
            if choices:
                fields.append((f"{model.__name__}.{field.name}", {str(value) for value, _label in choices}))
    return fields


def test_the_policy_engine_decides_with_the_models_words() -> None:
    assert set(policy.ROLES) == set(Role.values) == set(STAFF_ROLES)
    assert set(policy.CATEGORIES) == set(Category.values)
    assert set(policy.PROPOSAL_KINDS) == set(ProposalKind.values)
    assert set(policy.INSURANCE_STATUSES) == set(InsuranceStatus.values)
    assert set(policy.MONEY_KINDS) | set(policy.AFTER_INSURANCE_KINDS) <= set(ProposalKind.values)
    assert set(policy.CLINICAL_ROUTES) <= set(Role.values)
    assert set(schedule.NOTICE_TYPES) == set(NoticeType.values)


def test_every_field_that_stores_a_vocabulary_word_offers_the_whole_vocabulary() -> None:
    """A field whose choices share a word with a vocabulary must offer exactly that vocabulary: a copied
    subset or an extra word means a second, drifting list."""
    checked = []
    for name, values in _fields_with_choices():
        overlaps = {vocabulary: len(values & set(vocabulary.values)) for vocabulary in VOCABULARIES}
        closest = max(overlaps, key=overlaps.__getitem__)
        # Sharing a word is not a copy ("phone" is a way to reach a patient and a way a complaint arrives):
        # a field that shares most of a vocabulary, and no other vocabulary more, must offer exactly it.
        if overlaps[closest] * 2 > len(closest.values):
            assert values == set(closest.values), f"{name} offers {sorted(values)}, not {closest.__name__}"
            checked.append(name)
    assert {
        "Complaint.category",
        "Complaint.route_to",
        "Complaint.channel",
        "PolicyRule.route_to",
        "Invoice.insurance_status",
        "Reminder.notice_type",
        "ReminderStep.notice_type",
        "FollowUpCall.role",
    } <= set(checked)


@pytest.mark.django_db
def test_the_migrations_create_one_group_per_role() -> None:
    assert set(Group.objects.filter(name__in=Role.values).values_list("name", flat=True)) == set(Role.values)


@pytest.mark.parametrize("role", Role.values)
def test_the_engine_accepts_every_role_and_nothing_else(role: str) -> None:
    def rule(route_to: str) -> Rule:
        return Rule(
            position=1,
            names={"en": "r"},
            route_to=route_to,
            meeting_within_hours=24,
            proposal_kind=ProposalKind.EXPLANATION,
            categories=frozenset({Category.BILLING_ERROR}),
        )

    # A one-rule policy has other problems (no catch-all rules); a route outside the roles adds exactly one.
    accepted = validate_policy((rule(role),), small_claim_threshold=Decimal("500"))
    refused = validate_policy((rule(f"{role}_x"),), small_claim_threshold=Decimal("500"))
    added = [problem for problem in refused if problem not in accepted]
    assert len(refused) == len(accepted) + 1
    assert len(added) == 1 and ", ".join(Role.values) in added[0]
