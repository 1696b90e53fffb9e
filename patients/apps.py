from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = _("Patients")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Patient)
        auditlog.register(models.Coverage)
        auditlog.register(models.AuthorisedProxy)
        auditlog.register(models.ContactChange, exclude_fields=["token_hash"])
        auditlog.register(models.PatientNote)
        auditlog.register(models.CallerCheck)
