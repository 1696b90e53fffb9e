from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        # The decision is a row of its own, written after the complaint: auditlog's diff of a new complaint would
        # read the reverse one-to-one (one query per complaint filed) to log a decision it never has yet.
        auditlog.register(models.Complaint, exclude_fields=["decision"])
        auditlog.register(models.AdjustmentRequest)
        auditlog.register(models.Policy)
        auditlog.register(models.PolicyRule)
