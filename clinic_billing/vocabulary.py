"""Words more than one app uses, each defined once: the staff roles and an invoice's insurance status.

Pure (enumerations only): the policy engine imports them, so its values and the models' choices are the same
set by construction (tests/test_vocabulary.py checks every field that stores one).
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    BILLING = "billing", _("Billing")
    OFFICE_MANAGER = "office_manager", _("Office manager")
    PROVIDER = "provider", _("Provider")


class InsuranceStatus(TextChoices):
    NONE = "none", _("No insurance claim")
    PENDING = "pending", _("Waiting for insurer")
    SETTLED = "settled", _("Insurer settled")
