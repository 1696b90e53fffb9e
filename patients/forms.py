"""Staff forms for patients. Forms parse input; the services decide what is allowed."""

from typing import Any

from django import forms

from clinic_billing.exceptions import ApplicationError

from .models import Patient
from .services import ContactDetails

WIDGET_CLASSES = {
    "checkbox": "form-check-input",
    "select": "form-select",
    "radioselect": "form-check-input",
}


class StaffForm(forms.Form):
    """Bootstrap classes on every widget, and `is-invalid` on each field that has an error."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for bound in self:
            bound.field.widget.attrs.setdefault("class", WIDGET_CLASSES.get(bound.widget_type, "form-control"))

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "")
                if "is-invalid" not in classes.split():
                    widget.attrs["class"] = f"{classes} is-invalid".strip()

    def add_application_error(self, error: ApplicationError) -> None:
        """Show a refusal from a service on the field it names, or above the form."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


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
