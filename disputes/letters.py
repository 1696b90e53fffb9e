"""The written resolution letter of a closed complaint, as a PDF in the patient's language.

Modelled on the US hospital grievance practice (CMS 42 CFR 482.13): the letter names the contact person,
the steps taken, the result and the completion date. It quotes the patient's own words, so it is rendered
like the invoice: autoescaped HTML, the stylesheet inlined, and a fetcher that refuses every URL.
"""

from copy import copy
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clinic_billing.exceptions import InvalidTransition
from clinic_billing.languages import Localised, language_codes, pick_localised
from invoices.jurisdiction import current_profile
from invoices.models import InvoiceLine
from invoices.pdf import pdf_document

from .models import AdjustmentRequest, Complaint
from .vocabulary import ProposalKind

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Settlement:
    """What the complaint changed on the invoice and what the patient owes now."""

    adjustments: list[AdjustmentRequest]
    patient_due: Decimal

    @property
    def owes(self) -> bool:
        return self.patient_due > ZERO

    @property
    def credit(self) -> Decimal | None:
        return -self.patient_due if self.patient_due < ZERO else None


# The text offered in the close form for the letter's "What we did", by what the policy proposed: staff adapt it
# to what happened. Marked for translation here and read in the patient's language below.
RESOLUTION_TEXT_DEFAULTS = {
    ProposalKind.EXPLANATION: gettext_noop("We went through the invoice with you and explained what each line is for."),
    ProposalKind.REDUCTION: gettext_noop(
        "We checked the invoice against what happened at your visit and changed what was wrong."
    ),
    ProposalKind.WRITE_OFF: gettext_noop(
        "We looked into what happened at your visit together with the person who treated you, and we have "
        "cancelled what was left for you to pay."
    ),
    ProposalKind.SMALL_CLAIM_CREDIT: gettext_noop(
        "We checked the invoice with you, found the error and credited the amount."
    ),
    ProposalKind.HOLD_FOR_INSURANCE: gettext_noop(
        "We sent the claim to your insurer again. You pay only what is left after the insurer has paid."
    ),
    ProposalKind.PAYMENT_PLAN: gettext_noop(
        "We talked with you about how to pay and agreed on monthly instalments you can keep."
    ),
    ProposalKind.DEFERRAL: gettext_noop("We talked with you about when you can pay and agreed on a later date."),
}


def _catalogue_versions(message: str) -> dict[str, str]:
    """The message in every language whose catalogue translates it (and in English, the language it is
    written in): a catalogue without the entry would print English silently, so it counts as missing."""
    versions = {}
    for code in language_codes():
        with translation.override(code):
            text = translation.gettext(message)
        if text != message or code == settings.LANGUAGE_CODE:
            versions[code] = text
    return versions


def resolution_text_default(complaint: Complaint) -> Localised[str] | None:
    """The letter text offered to staff before they close the complaint: in the patient's language, else the
    clinic's, else English (`is_fallback` says so on the form). None when the policy proposed nothing to say."""
    message = RESOLUTION_TEXT_DEFAULTS.get(ProposalKind(complaint.decision.proposal_kind))
    if message is None:
        return None
    return pick_localised(_catalogue_versions(message), complaint.patient.language)


def _closed_complaint(complaint_id: int) -> Complaint:
    """The complaint with everything the letter shows (only its approved adjustments): three queries."""
    complaint = (
        Complaint.objects.select_related("patient", "invoice", "closed_by", "decision__policy")
        # One prefetch per call: the related querysets are different audited classes, which mypy cannot join.
        .prefetch_related(
            Prefetch(
                "adjustments",
                queryset=AdjustmentRequest.objects.filter(status=AdjustmentRequest.Status.APPROVED).order_by("id"),
            )
        )
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("id")))
        .get(pk=complaint_id)
    )
    if complaint.status != Complaint.Status.CLOSED:
        raise InvalidTransition(
            _("The resolution letter is written when the complaint is closed; this complaint is still %(status)s.")
            % {"status": Complaint.Status(complaint.status).label.lower()}
        )
    return complaint


def _contact_name(complaint: Complaint) -> str:
    closer = complaint.closed_by
    if closer is None:
        return ""
    return closer.get_full_name() or closer.get_username()


def _letter_context(complaint: Complaint, adjustments: list[AdjustmentRequest]) -> dict[str, object]:
    invoice = complaint.invoice
    settlement = Settlement(adjustments=adjustments, patient_due=invoice.patient_due)
    return {
        "clinic": settings.CLINIC,
        "letter_date": timezone.localdate(),
        "patient": complaint.patient,
        "invoice": invoice,
        "invoice_date": timezone.localdate(invoice.issued_at) if invoice.issued_at else invoice.service_date,
        "complaint": complaint,
        "received_on": timezone.localdate(complaint.received_at),
        "disputed_lines": list(complaint.lines.all()),
        "contact_name": _contact_name(complaint),
        "met_on": timezone.localdate(complaint.met_at) if complaint.met_at else None,
        "completed_on": timezone.localdate(complaint.closed_at),
        "settlement": settlement,
        "reference_is_kid": current_profile().payment_reference_scheme == "KID",
        "follow_up_days": complaint.decision.policy.follow_up_days,
        "mention_conciliation_board": current_profile().code == "NO",
    }


def _letter_html(complaint: Complaint) -> str:
    context = _letter_context(complaint, list(complaint.adjustments.all()))
    return render_to_string("pdf/resolution_letter.html", context)


def resolution_letter_preview(complaint: Complaint, *, outcome: str, resolution_text: str, by: User) -> str:
    """What the letter will tell the patient if the complaint is closed now with this outcome and text.

    Rendered in the patient's language from the same part of the template as the letter, before anything is
    saved (the complaint is changed in memory only). The internal prevention note is not part of it.
    """
    draft = copy(complaint)
    draft.outcome = outcome
    draft.resolution_text = resolution_text.strip()
    draft.closed_by = by
    draft.closed_at = timezone.now()
    approved = [a for a in complaint.adjustments.all() if a.status == AdjustmentRequest.Status.APPROVED]
    with translation.override(complaint.patient.language):
        context = _letter_context(draft, approved)
        return render_to_string("staff/disputes/_letter_preview.html", context)


def resolution_letter_html(complaint: Complaint) -> str:
    """The letter as HTML, in the active language. Refuses a complaint that is not closed."""
    return _letter_html(_closed_complaint(complaint.pk))


def resolution_letter_pdf(complaint: Complaint) -> bytes:
    """Render the resolution letter of a closed complaint as a PDF in the patient's language.

    Queries: the complaint with its patient, invoice, closer and policy; its approved adjustments; the
    invoice lines it is about — three, whatever the number of lines. Raises InvalidTransition while the
    complaint is not closed.
    """
    loaded = _closed_complaint(complaint.pk)
    with translation.override(loaded.patient.language):
        html = _letter_html(loaded)
    return bytes(pdf_document(html).write_pdf())
