"""Staff forms for complaints and approvals. Forms parse input; disputes.services decides what is allowed."""

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinic_billing.exceptions import ApplicationError
from clinic_billing.forms import StaffForm
from invoices.models import Invoice
from invoices.templatetags.money import local_date, money
from patients.models import AuthorisedProxy

from .models import Category, Complaint, ComplaintChannel

PATIENT = "patient"
SOMEONE_ELSE = "someone_else"
PROXY_PREFIX = "proxy-"


class IdsField(forms.MultipleChoiceField):
    """Ids posted from checkboxes. The service checks that they belong together and names what is wrong."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()

    def clean(self, value: Any) -> list[int]:
        return [int(item) for item in super().clean(value)]


def invoice_label(invoice: Invoice) -> str:
    issued = local_date(invoice.issued_at.date()) if invoice.issued_at else local_date(invoice.service_date)
    owed = getattr(invoice, "patient_due_amount", invoice.patient_due)
    return str(_("%(number)s — issued %(date)s — patient owes %(owed)s")) % {
        "number": invoice.number,
        "date": issued,
        "owed": money(owed),
    }


class ComplaintForm(StaffForm):
    """The intake: who speaks, how it came in, which invoice and lines, what it is about, in whose words."""

    speaker = forms.ChoiceField(label=_("Who is speaking?"), widget=forms.RadioSelect)
    channel = forms.ChoiceField(
        label=_("How did it come in?"),
        choices=ComplaintChannel.choices,
        initial=ComplaintChannel.DESK,
        widget=forms.RadioSelect,
        required=False,
    )
    invoice = forms.TypedChoiceField(
        label=_("Which invoice?"),
        coerce=int,
        error_messages={"required": _("Choose the invoice the patient disputes.")},
    )
    lines = IdsField(
        label=_("Which lines?"),
        required=False,
        help_text=_("Tick the lines the patient disputes. Tick none when the whole bill is disputed."),
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=Category.choices, widget=forms.RadioSelect, required=False
    )
    # Not required here: the service refuses an empty account with the message the desk should read.
    description = forms.CharField(
        label=_("What the patient said, in their own words"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        patient_id: int,
        proxies: Sequence[AuthorisedProxy],
        invoices: Iterable[Invoice],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        speakers: list[tuple[str, str]] = [(PATIENT, str(_("The patient")))]
        for proxy in proxies:
            if proxy.relationship:
                label = _("%(name)s, %(relationship)s — authorised proxy") % {
                    "name": proxy.name,
                    "relationship": proxy.relationship_display,
                }
            else:
                label = _("%(name)s — authorised proxy") % {"name": proxy.name}
            speakers.append((f"{PROXY_PREFIX}{proxy.pk}", str(label)))
        speakers.append((SOMEONE_ELSE, str(_("Someone else"))))
        speaker_field = self.fields["speaker"]
        assert isinstance(speaker_field, forms.ChoiceField)
        speaker_field.choices = speakers
        self.initial.setdefault("speaker", PATIENT)
        invoice_field = self.fields["invoice"]
        assert isinstance(invoice_field, forms.ChoiceField)
        invoice_field.choices = [("", _("Choose the invoice")), *((i.pk, invoice_label(i)) for i in invoices)]
        invoice_field.widget.attrs.update(
            {
                "hx-get": f"{reverse('disputes:complaint-invoice-lines')}?patient={patient_id}",
                "hx-target": "#invoice-lines",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )

    def proxy_id(self) -> int | None:
        speaker: str = self.cleaned_data["speaker"]
        return int(speaker.removeprefix(PROXY_PREFIX)) if speaker.startswith(PROXY_PREFIX) else None

    def add_application_error(self, error: ApplicationError) -> None:
        # The service names the proxy; on this form the proxy is chosen as the speaker.
        if error.field == "proxy":
            self.add_error("speaker", error.message)
        else:
            super().add_application_error(error)


class CloseForm(StaffForm):
    """Outcome and prevention are required here, so a missing pair is named at once; complaint_close checks
    them again (with the same words) for every other caller.

    The prevention note is internal (the report); the letter's text is what the patient reads.
    """

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("Choose the outcome")), *Complaint.Outcome.choices],
        error_messages={"required": _("Choose the outcome.")},
    )
    prevention_note = forms.CharField(
        label=_("What will prevent a repeat"),
        help_text=_("Internal, for the complaint report: never sent to the patient."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Say what will be done so it does not happen again.")},
    )
    resolution_text = forms.CharField(
        label=_("Letter to the patient"),
        help_text=_("The steps taken and the result, in plain words: the resolution letter prints this text."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )
