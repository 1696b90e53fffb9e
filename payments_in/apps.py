from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsInConfig(AppConfig):
    name = "payments_in"
    verbose_name = _("Bank files")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.BankFile)
        # What the bank reported is kept in the row and the file; the audit log follows what billing changes (the
        # status, why it waits, the invoice it went to), so a 50,000-payment import does not diff every column
        # of every row.
        auditlog.register(
            models.BankTransaction,
            include_fields=["transaction_id", "status", "queue_reason", "queue_detail", "invoice"],
        )
        auditlog.register(models.Allocation, include_fields=["transaction", "invoice", "entry", "amount", "reversal"])
        auditlog.register(models.Decision)
