from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsInConfig(AppConfig):
    name = "payments_in"
    verbose_name = _("Bank files")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.BankFile)
        auditlog.register(models.BankTransaction)
        auditlog.register(models.Allocation)
        auditlog.register(models.Decision)
