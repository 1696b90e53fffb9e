"""Staff forms for patients. Forms parse input; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clinic_billing.dates import BoundedDateField
from clinic_billing.forms import StaffForm

from .models import AuthorisedProxy, CallerCheck, Coverage, Patient
from .services import NOTE_MAX_LENGTH, ContactDetails

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContactForm(StaffForm):
    """How the patient is reached. The labels come from the model so they match everywhere else."""

    email = Patient._meta.get_field("email").formfield(required=False)
    phone = Patient._meta.get_field("phone").formfield(required=False)
    address_line = Patient._meta.get_field("address_line").formfield(required=False)
    postal_code = Patient._meta.get_field("postal_code").formfield(required=False)
    city = Patient._meta.get_field("city").formfield(required=False)
    language = Patient._meta.get_field("language").formfield()
    preferred_channel = Patient._meta.get_field("preferred_channel").formfield()
    opt_out_email = Patient._meta.get_field("opt_out_email").formfield(required=False)
    opt_out_sms = Patient._meta.get_field("opt_out_sms").formfield(required=False)
    opt_out_phone = Patient._meta.get_field("opt_out_phone").formfield(required=False)

    @classmethod
    def initial_for(cls, patient: Patient) -> dict[str, object]:
        return {name: getattr(patient, name) for name in cls.base_fields}

    def contact_details(self) -> ContactDetails:
        return ContactDetails(**{name: self.cleaned_data[name] for name in self.fields})


class PatientForm(ContactForm):
    """A new patient: who they are, how they are reached, and (optionally) the coverage they showed at the desk.
    `confirm_new` is ticked when staff saw the likely duplicates and still register a new patient."""

    name = Patient._meta.get_field("name").formfield()
    date_of_birth = BoundedDateField(label=_("Date of birth"), widget=DATE_INPUT)
    coverage_kind = forms.ChoiceField(
        label=_("Coverage"), choices=[("", _("None shown")), *list(Coverage.Kind.choices)], required=False
    )
    payer_name = Coverage._meta.get_field("payer_name").formfield(required=False)
    member_number = Coverage._meta.get_field("member_number").formfield(required=False)
    confirm_new = forms.BooleanField(
        label=_("None of these is the patient: register a new patient"), required=False, widget=forms.HiddenInput
    )

    field_order = ["name", "date_of_birth"]

    def contact_details(self) -> ContactDetails:
        return ContactDetails(**{name: self.cleaned_data[name] for name in ContactForm.base_fields})


class CoverageForm(StaffForm):
    kind = Coverage._meta.get_field("kind").formfield()
    payer_name = Coverage._meta.get_field("payer_name").formfield()
    member_number = Coverage._meta.get_field("member_number").formfield(required=False)
    valid_from = BoundedDateField(label=_("Valid from"), widget=DATE_INPUT)
    valid_to = BoundedDateField(label=_("Valid to"), widget=DATE_INPUT, required=False)


class ProxyForm(StaffForm):
    """A power of attorney (fullmakt) the patient signed: who, for what, from when, and the document."""

    name = AuthorisedProxy._meta.get_field("name").formfield()
    relationship = AuthorisedProxy._meta.get_field("relationship").formfield(required=False)
    phone = AuthorisedProxy._meta.get_field("phone").formfield(required=False)
    email = AuthorisedProxy._meta.get_field("email").formfield(required=False)
    scope = AuthorisedProxy._meta.get_field("scope").formfield()
    valid_from = BoundedDateField(label=_("Valid from"), widget=DATE_INPUT)
    valid_to = BoundedDateField(
        label=_("Valid to"), widget=DATE_INPUT, required=False, help_text=_("Empty: until the patient revokes it.")
    )
    document_reference = AuthorisedProxy._meta.get_field("document_reference").formfield(required=False)
    document = forms.FileField(
        label=_("Or upload the signed document"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB. Kept privately: only staff can open it."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class NoteForm(StaffForm):
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: called, promised to pay Friday."),
    )


class CallerForm(StaffForm):
    """Who is on the line (or at the desk) before anything about the account is said."""

    caller = forms.ChoiceField(label=_("Who is it?"), choices=CallerCheck.Caller.choices, widget=forms.RadioSelect)
    contact = forms.ChoiceField(
        label=_("How they reached us"),
        choices=[c for c in CallerCheck.Contact.choices if c[0] != CallerCheck.Contact.NONE],
        initial=CallerCheck.Contact.PHONE,
        required=False,
    )
    proxy = forms.TypedChoiceField(label=_("Authorised person"), coerce=int, required=False, empty_value=None)
    caller_name = forms.CharField(label=_("Name the caller gave"), max_length=200, required=False)
    note = forms.CharField(label=_("What they asked"), max_length=500, required=False)

    def __init__(self, *args: Any, proxies: list[AuthorisedProxy] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["proxy"]
        field.choices = [("", "—")] + [(proxy.pk, proxy.name) for proxy in proxies]  # type: ignore[attr-defined]
        self["proxy"].field.choices = field.choices  # type: ignore[attr-defined]
