"""Every form that takes an amount reads it as a clerk, a patient or the office manager types it, and refuses what
only Python's Decimal reads as a number ("1_000", "1e3", digits of other scripts): issue 12, item 9, on every
money field (and the policy's reduction percentage)."""

from decimal import Decimal

import pytest
from django.utils import translation

from catalogue.forms import PriceForm
from disputes.office_forms import PolicySettingsForm, RuleForm
from invoices.forms import PaymentForm
from patient_collections.forms import PaymentPlanForm
from portal.forms import PlanForm

NOT_AMOUNTS = ["1_000", "1e3", "١٢٣", "٣٠٠"]
EXTRA = {PlanForm: {"minimum": Decimal("100.00"), "max_months": 12}}


MONEY_FIELDS = [
    (PaymentForm, "amount"),
    (PaymentPlanForm, "monthly_amount"),
    (PlanForm, "monthly_amount"),
    (PolicySettingsForm, "approval_threshold"),
    (PolicySettingsForm, "small_claim_threshold"),
    (RuleForm, "min_amount"),
    (RuleForm, "max_amount"),
    (RuleForm, "proposal_amount"),
    (PriceForm, "amount"),
]


@pytest.mark.django_db  # the policy settings form lists the staff who may deputise
@pytest.mark.parametrize(("form_class", "field"), [*MONEY_FIELDS, (RuleForm, "proposal_percent")])
@pytest.mark.parametrize("typed", NOT_AMOUNTS)
def test_it_refuses_what_only_python_reads_as_an_amount(form_class, field, typed):
    form = form_class(data={field: typed}, **EXTRA.get(form_class, {}))
    form.is_valid()
    assert field in form.errors


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "field"), [*MONEY_FIELDS, (RuleForm, "proposal_percent")])
def test_it_reads_an_amount_as_a_norwegian_types_it(form_class, field):
    with translation.override("nb"):
        form = form_class(data={field: "250,50"}, **EXTRA.get(form_class, {}))
        form.is_valid()
    assert form.cleaned_data.get(field) == Decimal("250.50")
