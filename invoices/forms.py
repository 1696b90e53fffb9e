"""Staff forms for invoices. Forms parse input; invoices.services decides what is allowed."""

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clinic_billing.exceptions import ApplicationError
from clinic_billing.forms import StaffForm, TypedDecimalField

from .models import Coverage, InsuranceStatus, Invoice, PaymentMethod, RefundMethod
from .money import DECIMAL_PLACES, MAX_DIGITS, MoneyError, refuse_past_invoice_limit


class TypedMoneyField(TypedDecimalField):
    """A localized amount as a person types it, within what one invoice can carry.

    Refuses input that only Python's Decimal would read as a number, and an amount past the invoice limit with
    the one message that names the limit (invoices.money); a money column's digits are the default bounds.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            try:
                refuse_past_invoice_limit(value)
            except MoneyError as exc:
                raise ValidationError(str(exc), code="max_value") from exc


class PaymentForm(StaffForm):
    amount = TypedMoneyField(label=_("Amount"))
    payer = forms.ChoiceField(
        label=_("Paid by"), choices=[("patient", _("Patient")), ("insurer", _("Insurer"))], initial="patient"
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Bank transaction id, card receipt number or remittance advice number."),
    )
    # Generated when the form is rendered and posted back unchanged: a second submission of the same
    # form (double click, browser retry, back and resubmit) replays the first payment instead of posting again.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def add_application_error(self, error: ApplicationError) -> None:
        # The key is hidden: its problems are shown above the form, where the user can read them.
        if error.field == "idempotency_key":
            self.add_error(None, error.message)
        else:
            super().add_application_error(error)

    def with_new_key(self) -> "PaymentForm":
        """The same input under a fresh key, for a deliberate new payment after a refused reuse."""
        data = {name: self.data.get(name) for name in self.data}
        data["idempotency_key"] = str(uuid.uuid4())
        form = PaymentForm(data)
        form.is_valid()
        return form


class CreditApplyForm(StaffForm):
    """Apply credit on one invoice to another open invoice of the same patient (chosen from those)."""

    target = forms.TypedChoiceField(label=_("Apply to invoice"), coerce=int)
    amount = TypedMoneyField(label=_("Amount"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, targets: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target_field = self.fields["target"]
        assert isinstance(target_field, forms.TypedChoiceField)
        target_field.choices = [
            (
                invoice.pk,
                _("%(number)s, due %(due_date)s: owes %(amount)s")
                % {
                    "number": invoice.number,
                    "due_date": invoice.due_date,
                    "amount": invoice.patient_due_amount,  # type: ignore[attr-defined]
                },
            )
            for invoice in targets
        ]
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})


class RefundRequestForm(StaffForm):
    """Ask for a refund of a credit: to a bank account (the holder's name and account number), or in cash or by
    card (the receipt's reference). The service checks the account number and the credit."""

    amount = TypedMoneyField(label=_("Amount"))
    method = forms.ChoiceField(label=_("Method"), choices=RefundMethod.choices, initial=RefundMethod.BANK_TRANSFER)
    payee_name = forms.CharField(
        label=_("Account holder"), max_length=140, required=False, help_text=_("For a bank transfer.")
    )
    payee_account = forms.CharField(
        label=_("Account number"),
        max_length=40,
        required=False,
        help_text=_("For a bank transfer: an IBAN, or a Norwegian account number (11 digits)."),
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("For cash or card: the receipt or terminal reference."),
    )
    reason = forms.CharField(label=_("Note for the approver"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.fields["payee_account"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class InvoiceLineForm(StaffForm):
    """One line of a new invoice: a service of the catalogue (its name, price and who pays come from it unless
    typed over), or another service by code and description. An empty row is ignored."""

    service = forms.ChoiceField(label=_("Service"), required=False)
    code = forms.CharField(
        label=_("Other code"), max_length=20, required=False, help_text=_("Only for a service not in the list.")
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = TypedDecimalField(label=_("Quantity"), max_digits=8, decimal_places=2, localize=True, required=False)
    unit_price = TypedMoneyField(label=_("Unit price"), required=False)
    coverage = forms.ChoiceField(
        label=_("Paid by"), choices=[("", _("As the service says")), *Coverage.choices], required=False
    )

    def __init__(self, *args: Any, services: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ChoiceField)
        service_field.choices = [("", _("Another service (type its code)")), *services]
        for name in ("quantity", "unit_price"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(
            data.get(name) not in (None, "") for name in ("service", "code", "description", "quantity", "unit_price")
        )


InvoiceLineFormSet = forms.formset_factory(InvoiceLineForm, extra=2, min_num=1, max_num=30, absolute_max=30)


class NewInvoiceForm(StaffForm):
    service_date = forms.DateField(
        label=_("Service date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    insurance_status = forms.ChoiceField(
        label=_("Insurance"),
        choices=[("", _("Decide from the lines")), *list(InsuranceStatus.choices)],
        required=False,
        help_text=_("Lines an insurer or an exemption card pays make insurance pending unless you say settled."),
    )
