"""Staff forms for patients. Forms parse input; the services decide what is allowed."""

from clinic_billing.forms import StaffForm

from .models import Patient
from .services import ContactDetails


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
