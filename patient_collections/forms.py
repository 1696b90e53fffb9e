"""Staff forms for collections. Forms parse input; the services decide what is allowed."""

from typing import Any, cast

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic_billing.dates import BoundedDateField
from clinic_billing.forms import StaffForm
from invoices.forms import TypedMoneyField
from invoices.templatetags.money import local_date, money

from .models import CollectionCase, Deferral, NoticeType, PaymentPlan, ReminderStep
from .services.fees import fee_codes
from .services.schedule import StepInput
from .vocabulary import fee_code_label

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ArrangementForm(StaffForm):
    """A plan or deferral form: while another arrangement holds the invoice, it offers to replace it (the
    service refuses otherwise). `current` is that arrangement, described in the field's help text."""

    replace_arrangement = forms.BooleanField(required=False)

    def __init__(self, *args: Any, current: PaymentPlan | Deferral | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current is None:
            del self.fields["replace_arrangement"]
            return
        field = self.fields["replace_arrangement"]
        if isinstance(current, Deferral):
            field.label = _("Replace the current deferral")
            field.help_text = _("Collection is deferred until %(day)s; that deferral ends now.") % {
                "day": local_date(current.until)
            }
        else:
            field.label = _("Replace the current payment plan")
            field.help_text = _("A payment plan of %(total)s is being kept; it is cancelled now.") % {
                "total": money(current.total)
            }
        # StaffForm already built the bound field, which copied the generic label and help: give it these.
        bound = self["replace_arrangement"]
        bound.label, bound.help_text = str(field.label), str(field.help_text)


class PaymentPlanForm(ArrangementForm):
    """Either the number of instalments or the monthly amount; payment_plan_create says which fits."""

    instalments = forms.IntegerField(
        label=_("Number of instalments"),
        required=False,
        min_value=1,
        help_text=_("Monthly, 2 to 36. Leave empty to give the monthly amount instead."),
    )
    monthly_amount = TypedMoneyField(label=_("Or the monthly amount"), required=False)
    first_due = BoundedDateField(
        label=_("First instalment due"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Today or later; left empty, in a month."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["monthly_amount"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})


class DeferralForm(ArrangementForm):
    until = BoundedDateField(label=_("Defer until"), widget=DATE_INPUT, help_text=_("After today, at most 180 days."))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class CaseDecisionForm(StaffForm):
    """The office manager's decision: the pressed button's value, and an optional note."""

    decision = forms.ChoiceField(
        choices=[
            choice for choice in CollectionCase.Status.choices if choice[0] not in CollectionCase.UNDECIDED_STATUSES
        ]
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All cases")), *CollectionCase.Status.choices], required=False
    )


class DayForm(StaffForm):
    day = BoundedDateField(label=_("Day"), widget=DATE_INPUT)

    @classmethod
    def from_query(cls, query: Any) -> "DayForm":
        """Bound to `?day=`, today when it is left out."""
        return cls({"day": query.get("day") or timezone.localdate().isoformat()})


def _fee_code_choices() -> list[tuple[str, str]]:
    return [("", str(_("No fee"))), *((code, fee_code_label(code)) for code in fee_codes())]


class StepForm(StaffForm):
    number = forms.IntegerField(label=_("Step"), min_value=1, max_value=99)
    days_after_due = forms.IntegerField(label=_("Days after the due date"), min_value=0, max_value=3650)
    notice_type = forms.ChoiceField(label=_("Notice"), choices=NoticeType.choices)
    fee_code = forms.ChoiceField(label=_("Fee"), required=False)
    deadline_days = forms.IntegerField(label=_("New payment deadline (days)"), min_value=0, max_value=365)
    letter_only = forms.BooleanField(label=_("Always by letter"), required=False)
    manager_approval = forms.BooleanField(label=_("Escalation needs the office manager"), required=False)

    def __init__(self, *args: Any, fee_codes: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["fee_code"]).choices = fee_codes or [("", str(_("No fee")))]

    @staticmethod
    def initial_for(step: ReminderStep) -> dict[str, object]:
        return {name: getattr(step, name) for name in StepForm.base_fields}

    def step_input(self) -> StepInput:
        return StepInput(**{name: self.cleaned_data[name] for name in StepForm.base_fields})


class BaseStepFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def steps(self) -> list[StepInput]:
        """The steps kept (call after is_valid): saved ones not marked for deletion, and new ones filled in."""
        kept = []
        for index, form in enumerate(self.forms):
            if form.cleaned_data.get("DELETE"):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(cast(StepForm, form).step_input())
        return kept


StepFormSet = formset_factory(StepForm, formset=BaseStepFormSet, extra=1, can_delete=True, max_num=20)
STEPS_PREFIX = "steps"


def step_formset(data: Any = None, *, steps: list[ReminderStep] | None = None) -> BaseStepFormSet:
    """The schedule's steps as a formset: prefilled from the saved steps, or bound to posted data."""
    form_kwargs = {"fee_codes": _fee_code_choices()}
    if data is not None:
        return cast(BaseStepFormSet, StepFormSet(data, prefix=STEPS_PREFIX, form_kwargs=form_kwargs))
    initial = [StepForm.initial_for(step) for step in steps or []]
    return cast(BaseStepFormSet, StepFormSet(initial=initial, prefix=STEPS_PREFIX, form_kwargs=form_kwargs))


class PaymentPromiseForm(StaffForm):
    """The date (and perhaps the amount) the patient promised; the invoice, or the whole account."""

    until = BoundedDateField(label=_("Promised to pay by"), widget=DATE_INPUT)
    amount = TypedMoneyField(
        label=_("Amount promised"), required=False, help_text=_("Leave empty when no amount was named.")
    )
    invoice = forms.TypedChoiceField(label=_("Invoice"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, invoices: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        choices = [("", _("All the patient's invoices")), *invoices]
        self.fields["invoice"].choices = choices  # type: ignore[attr-defined]
