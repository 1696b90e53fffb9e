from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from clinic_billing.forms import StaffForm


class BankFileUploadForm(StaffForm):
    file = forms.FileField(
        label=_("Bank file"),
        help_text=_("Nets OCR Giro (.txt), ISO 20022 camt.053 or camt.054 (.xml), or X12 835 remittance."),
    )


class MatchForm(StaffForm):
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=20)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class SplitForm(StaffForm):
    """Up to four invoices and the part of the payment each gets."""

    ROWS = 4

    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for n in range(1, self.ROWS + 1):
            self.fields[f"invoice_{n}"] = forms.CharField(
                label=_("Invoice number %(n)s") % {"n": n}, max_length=20, required=False
            )
            self.fields[f"amount_{n}"] = forms.DecimalField(
                label=_("Amount %(n)s") % {"n": n}, max_digits=12, decimal_places=2, required=False
            )
            for name in (f"invoice_{n}", f"amount_{n}"):
                self.fields[name].widget.attrs["class"] = "form-control"

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"invoice_{n}"], self[f"amount_{n}"]) for n in range(1, self.ROWS + 1)]

    def parts(self) -> list[tuple[str, Decimal]]:
        parts = []
        for n in range(1, self.ROWS + 1):
            number = (self.cleaned_data.get(f"invoice_{n}") or "").strip()
            amount = self.cleaned_data.get(f"amount_{n}")
            if number or amount is not None:
                if not number or amount is None:
                    message = _("Give both the invoice number and the amount on line %(n)s.")
                    raise forms.ValidationError(message % {"n": n})
                parts.append((number, amount))
        return parts


class ReasonForm(StaffForm):
    reason = forms.CharField(label=_("Why"), max_length=300)
