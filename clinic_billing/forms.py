"""The staff forms' base: Bootstrap classes on every widget and a service's refusal shown on its field."""

from typing import Any

from django import forms

from clinic_billing.exceptions import ApplicationError

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
