"""The catalogue's vocabularies: who pays a line, the coding system a code belongs to, and the kind of service."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Coverage(models.TextChoices):
    """Who pays an invoice line (a service's default, copied to the line, which staff may change)."""

    PATIENT = "patient", _("Patient")
    INSURER = "insurer", _("Insurer")
    EXEMPTION_CARD = "exemption_card", _("Exemption card")


class CodingSystem(models.TextChoices):
    """Where a service code comes from: the national tariff of the jurisdiction, or the clinic's own list."""

    NO_TARIFF = "no_tariff", _("Norwegian tariff (normaltariffen)")
    CPT = "cpt", _("CPT")
    HCPCS = "hcpcs", _("HCPCS")
    CCAM = "ccam", _("CCAM")
    NGAP = "ngap", _("NGAP")
    LOCAL = "local", _("The clinic's own code")


class ServiceKind(models.TextChoices):
    """What a service is, for what a bill says about it (its title, its help, whether it may be estimated)."""

    CONSULTATION = "consultation", _("Consultation")
    PROCEDURE = "procedure", _("Examination or procedure")
    LAB = "lab", _("Laboratory test")
    MATERIAL = "material", _("Materials")
    VACCINATION = "vaccination", _("Vaccination")
    CERTIFICATE = "certificate", _("Certificate")
    RECORDS_COPY = "records_copy", _("Copy of records")
    NO_SHOW = "no_show", _("Missed appointment fee")
