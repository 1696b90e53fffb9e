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
        # An allocation is not audited on its own: it only links a transaction to the ledger entry it posted (the
        # entry, audited, carries the bank's id as its key) and to that entry's reversal (audited, with the
        # decision that undid it).
        auditlog.register(models.Decision)
