"""The office manager's forms: policy settings, a formset of rules, simulation, publishing and the report period.

Forms only parse input into the engine's plain values; disputes.services decides whether a policy is valid.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from clinic_billing.dates import BoundedDateField, period_check
from clinic_billing.forms import StaffForm
from clinic_billing.languages import clinic_language, language_codes
from clinic_billing.roles import OFFICE_MANAGER, STAFF_ROLES
from invoices.forms import TypedDecimalField, TypedMoneyField
from invoices.models import InsuranceStatus

from . import policy as engine
from .models import Category, ProposalKind, Role
from .services import PolicyDraft

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    StrOrPromise = str

REPORT_DEFAULT_DAYS = 90
SIMULATE_DEFAULT = 200
SIMULATE_MAX = 5000


def _amount(label: StrOrPromise, **kwargs: Any) -> forms.DecimalField:
    """An amount as the office manager types it (as in the payment and plan forms), never negative."""
    return TypedMoneyField(label=label, min_value=Decimal("0"), **kwargs)


def _checkboxes(label: StrOrPromise, choices: Any, help_text: StrOrPromise) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )


class PolicySettingsForm(StaffForm):
    approval_threshold = _amount(
        _("Approval threshold"), help_text=_("Above this only the office manager may approve.")
    )
    small_claim_threshold = _amount(
        _("Small-claim threshold"), help_text=_("A small-claim credit is only proposed up to this amount.")
    )
    follow_up_days = forms.IntegerField(
        label=_("Follow-up call after (days)"),
        min_value=1,
        max_value=60,
        help_text=_("How many days after closing a complaint the patient is called."),
    )
    deputy_approver_role = forms.ChoiceField(
        label=_("Deputy approver (role)"),
        choices=[("", _("No role")), *((value, label) for value, label in Role.choices if value != OFFICE_MANAGER)],
        required=False,
        help_text=_("Decides a request nobody else may approve, such as a sole office manager's own request."),
    )
    deputy_approver_id = forms.TypedChoiceField(
        label=_("Deputy approver (person)"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For example the provider who owns the clinic. A role, a person or both."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["deputy_approver_id"]
        assert isinstance(person, forms.ChoiceField)
        staff = User.objects.filter(is_active=True, groups__name__in=STAFF_ROLES).distinct().order_by("username")
        people = [(user.pk, user.get_full_name() or user.username) for user in staff]
        person.choices = [("", _("Nobody named")), *people]

    @classmethod
    def initial_for(cls, draft: PolicyDraft) -> dict[str, object]:
        return {name: getattr(draft, name) for name in cls.base_fields}


def language_name(code: str) -> str:
    """A language's name in the reader's language, as the language menus say it."""
    return str(dict(settings.LANGUAGES).get(code, code))


def _languages_clinic_first() -> list[str]:
    clinic = clinic_language()
    return [clinic, *(code for code in language_codes() if code != clinic)]


@dataclass(frozen=True)
class RuleLanguage:
    """One language's name and script fields of a rule, and whether that language is still missing."""

    code: str
    label: str
    name: forms.BoundField
    script: forms.BoundField
    is_clinic_language: bool
    is_missing: bool


class RuleForm(StaffForm):
    """One rule of the policy. Empty conditions match every complaint; the first matching rule decides.

    The name and the script ("what to say") have one field per language (`name_<code>`, `script_<code>`), the
    clinic's language first; a blank field is a missing version, which readers get in the clinic's language.
    """

    position = forms.IntegerField(label=_("Position"), min_value=1, max_value=999)
    categories = _checkboxes(_("Categories"), Category.choices, _("None ticked: every category."))
    min_amount = _amount(_("From amount"), required=False)
    max_amount = _amount(_("Up to amount"), required=False)
    insurance_statuses = _checkboxes(
        _("Insurance statuses"), InsuranceStatus.choices, _("None ticked: any insurance status.")
    )
    min_invoice_age_days = forms.IntegerField(label=_("Invoice at least (days old)"), min_value=0, required=False)
    max_invoice_age_days = forms.IntegerField(label=_("Invoice at most (days old)"), min_value=0, required=False)
    min_earlier_complaints = forms.IntegerField(label=_("Earlier complaints at least"), min_value=0, required=False)
    # An empty first choice, so the untouched "new rule" form posts nothing and is not taken for a rule.
    route_to = forms.ChoiceField(label=_("Route to"), choices=[("", _("Choose…")), *Role.choices])
    meeting_within_hours = forms.IntegerField(
        label=_("Meet within (hours)"),
        min_value=1,
        max_value=2000,
        help_text=_("Counted in the clinic's opening hours: nights, closed days and public holidays do not count."),
    )
    proposal_kind = forms.ChoiceField(label=_("Proposal"), choices=[("", _("Choose…")), *ProposalKind.choices])
    proposal_percent = TypedDecimalField(
        label=_("Reduction %"), max_digits=5, decimal_places=2, required=False, localize=True
    )
    proposal_amount = _amount(_("Reduction amount"), required=False)
    approval_role = forms.ChoiceField(
        label=_("Approved by"),
        choices=[("", _("Office manager (default)")), *Role.choices],
        required=False,
        help_text=_("Only for reductions, write-offs and credits."),
    )

    CONDITION_FIELDS = (
        "categories",
        "min_amount",
        "max_amount",
        "insurance_statuses",
        "min_invoice_age_days",
        "max_invoice_age_days",
        "min_earlier_complaints",
    )
    OUTCOME_FIELDS = (
        "route_to",
        "meeting_within_hours",
        "proposal_kind",
        "proposal_percent",
        "proposal_amount",
        "approval_role",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in _languages_clinic_first():
            language = language_name(code)
            self.fields[f"name_{code}"] = forms.CharField(
                label=gettext("Name in %(language)s") % {"language": language},
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "lang": code}),
            )
            self.fields[f"script_{code}"] = forms.CharField(
                label=gettext("What to say, in %(language)s") % {"language": language},
                max_length=4000,
                required=False,
                widget=forms.Textarea(attrs={"class": "form-control", "rows": 3, "lang": code}),
            )

    def _typed(self, prefix: str) -> dict[str, str]:
        """What the form holds for one text in each language: the posted values, else the initial ones."""
        return {code: str(self[f"{prefix}_{code}"].value() or "") for code in _languages_clinic_first()}

    def missing_languages(self) -> list[str]:
        """The languages this rule has no name or no script in yet (the editor's "missing" indicator)."""
        return engine.texts_missing(self._typed("name"), self._typed("script"))

    def display_name(self) -> str:
        """The rule's name for its heading: in the reader's language, else the clinic's."""
        chosen = engine.text_in(self._typed("name"))
        return chosen.value if chosen else ""

    def languages(self) -> list[RuleLanguage]:
        missing = set(self.missing_languages())
        clinic = clinic_language()
        return [
            RuleLanguage(
                code=code,
                label=language_name(code),
                name=self[f"name_{code}"],
                script=self[f"script_{code}"],
                is_clinic_language=code == clinic,
                is_missing=code in missing,
            )
            for code in _languages_clinic_first()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"name_{code}", "").strip() for code in language_codes()):
            self.add_error(
                f"name_{clinic_language()}", gettext("Give the rule a name, at least in the clinic's language.")
            )
        return data

    @staticmethod
    def initial_for(rule: engine.Rule) -> dict[str, object]:
        return {
            "position": rule.position,
            **{f"name_{code}": text for code, text in rule.names.items()},
            **{f"script_{code}": text for code, text in rule.scripts.items()},
            "categories": sorted(rule.categories),
            "min_amount": rule.min_amount,
            "max_amount": rule.max_amount,
            "insurance_statuses": sorted(rule.insurance_statuses),
            "min_invoice_age_days": rule.min_invoice_age_days,
            "max_invoice_age_days": rule.max_invoice_age_days,
            "min_earlier_complaints": rule.min_earlier_complaints,
            "route_to": rule.route_to,
            "meeting_within_hours": rule.meeting_within_hours,
            "proposal_kind": rule.proposal_kind,
            "proposal_percent": rule.proposal_percent,
            "proposal_amount": rule.proposal_amount,
            "approval_role": rule.approval_role or "",
        }

    def to_rule(self) -> engine.Rule:
        data = self.cleaned_data
        return engine.Rule(
            position=data["position"],
            names={code: data[f"name_{code}"].strip() for code in language_codes() if data[f"name_{code}"].strip()},
            route_to=data["route_to"],
            meeting_within_hours=data["meeting_within_hours"],
            proposal_kind=data["proposal_kind"],
            categories=frozenset(data["categories"]),
            min_amount=data["min_amount"],
            max_amount=data["max_amount"],
            insurance_statuses=frozenset(data["insurance_statuses"]),
            min_invoice_age_days=data["min_invoice_age_days"],
            max_invoice_age_days=data["max_invoice_age_days"],
            min_earlier_complaints=data["min_earlier_complaints"],
            proposal_percent=data["proposal_percent"],
            proposal_amount=data["proposal_amount"],
            approval_role=data["approval_role"] or None,
            scripts={
                code: data[f"script_{code}"].strip() for code in language_codes() if data[f"script_{code}"].strip()
            },
        )


class BaseRuleFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this rule")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def kept_forms(self) -> list[RuleForm]:
        """The filled-in rules the manager did not tick for deletion (an untouched empty rule is no rule)."""
        initial_count = self.initial_form_count()
        return [
            form
            for index, form in enumerate(self.forms)
            if not form.cleaned_data.get("DELETE", False) and (index < initial_count or form.has_changed())
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.kept_forms():
            raise forms.ValidationError(_("A policy needs at least one rule."))


RuleFormSet = formset_factory(RuleForm, formset=BaseRuleFormSet, extra=1, can_delete=True, max_num=200)
RULES_PREFIX = "rules"


def rule_formset(data: Any = None, *, draft: PolicyDraft | None = None, add_one: bool = False) -> BaseRuleFormSet:
    """The rules formset: prefilled from a draft, or bound to posted data (with one more empty rule when asked)."""
    if data is not None:
        if add_one:
            data = data.copy()
            key = f"{RULES_PREFIX}-TOTAL_FORMS"
            data[key] = str(int(data.get(key) or 0) + 1)
        return cast(BaseRuleFormSet, RuleFormSet(data, prefix=RULES_PREFIX))
    rules = sorted(draft.rules, key=lambda r: r.position) if draft else []
    return cast(
        BaseRuleFormSet, RuleFormSet(initial=[RuleForm.initial_for(rule) for rule in rules], prefix=RULES_PREFIX)
    )


class SimulationForm(StaffForm):
    last = forms.IntegerField(
        label=_("How many recent complaints"), min_value=1, max_value=SIMULATE_MAX, initial=SIMULATE_DEFAULT
    )


class PublishForm(StaffForm):
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        help_text=_("A short note for the version history, e.g. “Meet service incidents within 12 hours”."),
        error_messages={"required": _("Say in a few words what changed; it goes into the version history.")},
    )


class ReportPeriodForm(StaffForm):
    start = BoundedDateField(
        label=pgettext_lazy("start of a date range", "From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = BoundedDateField(
        label=pgettext_lazy("end of a date range", "To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    @classmethod
    def from_query(cls, query: Any) -> "ReportPeriodForm":
        """Bound to the query string; the last 90 days when no dates are given."""
        today = timezone.localdate()
        data = {
            "start": query.get("start") or (today - timedelta(days=REPORT_DEFAULT_DAYS)).isoformat(),
            "end": query.get("end") or today.isoformat(),
        }
        return cls(data)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        period_check(self)
        return data
