"""The staff forms' base: Bootstrap classes on every widget, a service's refusal shown on its field, and the
staff field group (`{{ form.field.as_field_group }}`)."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.template import loader

from clinic_billing.exceptions import ApplicationError

WIDGET_CLASSES = {
    "checkbox": "form-check-input",
    "checkboxselectmultiple": "form-check-input",
    "radioselect": "form-check-input",
    "select": "form-select",
}


class FieldGroupRenderer(DjangoTemplates):
    """Django's own form templates, and one audience's field group from the project's templates.

    Django's form engine searches only its own and the apps' template folders, so the field group (a
    project template) is loaded through the project's engines; widgets still render from Django's."""

    def __init__(self, field_template_name: str) -> None:
        self.field_template_name = field_template_name

    def get_template(self, template_name: str) -> Any:
        if template_name == self.field_template_name:
            return loader.get_template(template_name)
        return super().get_template(template_name)


STAFF_FORM_RENDERER = FieldGroupRenderer("staff/_field.html")


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, `is-invalid` on each field that has an error, refusals from a service
    shown on the field they name, and the audience's field group for `as_field_group` (`renderer`)."""

    renderer: FieldGroupRenderer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Also inside a formset, which hands its forms Django's default renderer.
        kwargs["renderer"] = type(self).renderer
        super().__init__(*args, **kwargs)
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


class StaffForm(BootstrapForm):
    """A staff page's form: the staff field group."""

    renderer = STAFF_FORM_RENDERER


# What a person types for an amount in the clinic's languages: ASCII digits, a sign, and the decimal and
# grouping separators those locales use. Decimal() alone would also take "1_000", "1e3" and other
# scripts' digits ("١٢٣").
TYPED_AMOUNT = re.compile(r"-?[0-9.,'\s]+")


class TypedDecimalField(forms.DecimalField):
    """A localized number as a person types it, refusing input that only Python's Decimal would read as one."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip() and not TYPED_AMOUNT.fullmatch(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
