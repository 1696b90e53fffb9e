"""Portal forms, in the words patients use. Forms parse input; the services decide what is allowed."""

import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic_billing.dates import BoundedDateField
from clinic_billing.forms import BootstrapForm, FieldGroupRenderer
from disputes.models import Category
from invoices.forms import TypedMoneyField
from invoices.models import InvoiceLine
from invoices.templatetags.money import money
from patients.models import Channel, Language, Patient
from patients.services import ContactDetails

WHOLE_BILL = "all"
PLAN = "plan"
LATER = "later"

# The categories as a patient would say them, in the order they are offered.
CATEGORY_CHOICES = [
    (Category.CARE_QUALITY, _("The care I received")),
    (Category.SERVICE_INCIDENT, _("How I was treated by staff")),
    (Category.BILLING_ERROR, _("A mistake in the bill")),
    (Category.INSURANCE, _("Insurance was not used or used wrongly")),
    (Category.COVERAGE_MISUNDERSTANDING, _("I thought this was covered (exemption card or insurance)")),
    (Category.PARTIAL_PAYMENT, _("I already paid part of it")),
    (Category.INVOICE_QUESTION, _("I don't understand what this bill is for")),
    (Category.CANNOT_PAY, _("I can't pay right now")),
]

REQUEST_KEY = re.compile(r"^[0-9a-f]{32}$")
PORTAL_FORM_RENDERER = FieldGroupRenderer("portal/_field.html")


class PortalForm(BootstrapForm):
    """A portal page's form: the portal field group."""

    renderer = PORTAL_FORM_RENDERER


class RequestKeyField(forms.CharField):
    """A random key put in the form when it is shown: sending the same form twice makes one request."""

    def __init__(self) -> None:
        super().__init__(widget=forms.HiddenInput, required=True)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not REQUEST_KEY.match(value):
            raise ValidationError(_("Please send the form again."))
        return str(value)


def new_request_key() -> str:
    return uuid.uuid4().hex


class DisputeForm(PortalForm):
    lines = forms.MultipleChoiceField(
        label=_("Which part of the bill is wrong?"),
        help_text=_("Tick the lines you want us to look at, or the whole bill."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one line, or the whole bill.")},
    )
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=CATEGORY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what it is about.")},
    )
    description = forms.CharField(
        label=_("Tell us what happened, in your own words"),
        help_text=_("Do not include details about your health that are not needed to sort out the bill."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        error_messages={"required": _("Tell us in your own words what is wrong.")},
    )

    def __init__(self, *args: Any, lines: Iterable[InvoiceLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lines"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            *((str(line.pk), f"{line.description} — {money(line.amount)}") for line in lines),
            (WHOLE_BILL, _("The whole bill")),
        ]

    def line_ids(self) -> list[int]:
        """No ids means the whole bill (as complaint_file reads it)."""
        chosen: list[str] = self.cleaned_data["lines"]
        if WHOLE_BILL in chosen:
            return []
        return [int(value) for value in chosen]


class CannotPayForm(PortalForm):
    option = forms.ChoiceField(
        label=_("How would you like to pay?"),
        choices=[
            (PLAN, _("Pay in monthly instalments")),
            (LATER, _("Pay the whole amount later")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you would like to pay.")},
    )


class PlanForm(PortalForm):
    monthly_amount = TypedMoneyField(
        label=_("How much can you pay each month?"),
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": _("Enter how much you can pay each month."),
            "invalid": _("Enter the amount as a number, like 250 or 250.50."),
            "min_value": _("Enter an amount greater than zero."),
            "max_digits": _("Enter a smaller amount."),
            "max_decimal_places": _("Enter the amount with no more than 2 decimals."),
        },
    )
    request_key = RequestKeyField()

    def __init__(self, *args: Any, minimum: Decimal, max_months: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["monthly_amount"].help_text = gettext(
            "At least %(minimum)s a month, for up to %(months)s months. You will see the payments before you confirm."
        ) % {"minimum": money(minimum), "months": max_months}


class DeferralForm(PortalForm):
    until = BoundedDateField(
        label=_("When can you pay the whole amount?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date you can pay."),
            "invalid": _("Enter a real date."),
        },
    )
    request_key = RequestKeyField()


class CallbackForm(PortalForm):
    preferred_time = forms.ChoiceField(
        label=_("When is a good time to contact you?"),
        choices=[
            ("morning", _("Morning (9 to 12)")),
            ("afternoon", _("Afternoon (12 to 16)")),
            ("evening", _("Early evening (16 to 19)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a time of day.")},
    )
    days = forms.CharField(
        label=_("Which days suit you?"),
        help_text=_("For example: Tuesdays and Thursdays, or not on Fridays."),
        required=False,
        max_length=60,
    )
    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=[
            (Channel.PHONE, _("Phone call")),
            (Channel.SMS, _("Text message (SMS)")),
            (Channel.EMAIL, _("Email")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how we should contact you.")},
    )
    request_note = forms.CharField(
        label=_("What would you like to talk about?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=400,
        error_messages={"required": _("Tell us what you would like to talk about.")},
    )
    request_key = RequestKeyField()

    def __init__(self, *args: Any, reachable: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reachable = reachable

    def clean_preferred_channel(self) -> str:
        channel: str = self.cleaned_data["preferred_channel"]
        if not self.reachable.get("email" if channel == Channel.EMAIL else "phone"):
            if channel == Channel.EMAIL:
                raise ValidationError(_("We do not have an email address for you. Choose a phone call or a text."))
            raise ValidationError(_("We do not have a phone number for you. Choose email, or add a number first."))
        return channel

    def preferred_time_text(self) -> str:
        days = self.cleaned_data["days"].strip()
        return f"{self.cleaned_data['preferred_time']}; {days}" if days else self.cleaned_data["preferred_time"]


class ContactForm(PortalForm):
    preferred_channel = forms.ChoiceField(
        label=_("How should we send you bills and reminders?"),
        choices=[
            (Channel.EMAIL, _("Email")),
            (Channel.SMS, _("Text message (SMS)")),
            (Channel.LETTER, _("Letter in the post")),
            (Channel.PORTAL, _("Message here in the portal")),
            (Channel.PHONE, _("Phone call")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how we should contact you.")},
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address_line = forms.CharField(
        label=_("Street address"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("Town or city"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    language = forms.ChoiceField(label=_("Which language should we write to you in?"), choices=Language.choices)
    opt_out_email = forms.BooleanField(label=_("Do not email me"), required=False)
    opt_out_sms = forms.BooleanField(label=_("Do not send me text messages"), required=False)
    opt_out_phone = forms.BooleanField(label=_("Do not phone me"), required=False)

    @classmethod
    def initial_for(cls, patient: Patient) -> dict[str, object]:
        return {name: getattr(patient, name) for name in cls.base_fields}

    def contact_details(self) -> ContactDetails:
        return ContactDetails(**{name: self.cleaned_data[name] for name in self.fields})


class ProxyGrantForm(PortalForm):
    name = forms.CharField(
        label=_("Their full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Enter the person's name.")},
    )
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("We send them a link to open their own account."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("Enter the person's email address, so we can send them an invitation."),
            "invalid": _("Enter an email address like name@example.com."),
        },
    )
    relationship = forms.CharField(
        label=_("How do you know them?"),
        help_text=_("For example: my daughter, my husband, my carer."),
        required=False,
        max_length=100,
    )
    valid_to = BoundedDateField(
        label=_("Until when may they help you?"),
        help_text=_("Leave empty if there is no end date. You can stop their access at any time."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date.")},
    )
