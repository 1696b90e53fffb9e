"""The words of disputes, each defined once: complaint categories, proposal kinds, the channels a complaint
arrives by, and the groups of them the policy engine reasons about.

Pure (enumerations only), so the policy engine (policy.py) imports them as the models do.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from clinic_billing.vocabulary import Role


class Category(TextChoices):
    CARE_QUALITY = "care_quality", _("Quality of care or clinical error")
    SERVICE_INCIDENT = "service_incident", _("Customer-service incident")
    BILLING_ERROR = "billing_error", _("Billing error")
    INSURANCE = "insurance", _("Insurance not billed or billed wrongly")
    COVERAGE_MISUNDERSTANDING = "coverage_misunderstanding", _("Thought it was covered (exemption card, insurance)")
    PARTIAL_PAYMENT = "partial_payment", _("Paid part already (e.g. lab charge came separately)")
    INVOICE_QUESTION = "invoice_question", _("Question about what the invoice is for")
    CANNOT_PAY = "cannot_pay", _("Cannot pay now")


class ProposalKind(TextChoices):
    REDUCTION = "reduction", _("Reduction")
    WRITE_OFF = "write_off", _("Write-off of the balance after insurance")
    SMALL_CLAIM_CREDIT = "small_claim_credit", _("Credit a small claim")
    PAYMENT_PLAN = "payment_plan", _("Payment plan")
    DEFERRAL = "deferral", _("Deferral")
    EXPLANATION = "explanation", _("Explanation, no adjustment")
    HOLD_FOR_INSURANCE = "hold_for_insurance", _("Hold until insurance settles")


class ComplaintChannel(TextChoices):
    DESK = "desk", _("At the desk")
    PHONE = "phone", _("Phone")
    PORTAL = "portal", _("Patient portal")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")


# Proposals that move money and so need an approved adjustment request.
MONEY_KINDS = (ProposalKind.REDUCTION, ProposalKind.WRITE_OFF, ProposalKind.SMALL_CLAIM_CREDIT)
# Proposals that wait for the insurer: the balance left after insurance is not known before that.
AFTER_INSURANCE_KINDS = (ProposalKind.REDUCTION, ProposalKind.WRITE_OFF)
# Complaints about care go to a clinician or the office manager, never to billing.
CLINICAL_CATEGORIES = (Category.CARE_QUALITY,)
CLINICAL_ROUTES = (Role.PROVIDER, Role.OFFICE_MANAGER)
