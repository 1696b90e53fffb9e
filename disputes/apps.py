from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Complaint)
        auditlog.register(models.AdjustmentRequest)
        auditlog.register(models.Policy)
        auditlog.register(models.PolicyRule)
