from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Invoices")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.conf import settings
        from django.core import checks

        from . import models
        from .checks import check_pdf_libraries
        from .money import invoice_amount_limit_setting

        # A limit that is not a money amount fitting a money column stops start-up (ImproperlyConfigured).
        invoice_amount_limit_setting(str(settings.INVOICE_AMOUNT_LIMIT))

        auditlog.register(models.Invoice)
        auditlog.register(models.InvoiceLine)
        # Its own columns only: auditlog would otherwise also read each reverse one-to-one of an entry (the credit
        # note, the reminder fee, the approval, the reversal, the bank allocation that point at it), one query
        # apiece on every posting, for values that are never anything but empty on a new, immutable entry.
        auditlog.register(
            models.LedgerEntry, include_fields=[field.name for field in models.LedgerEntry._meta.concrete_fields]
        )
        auditlog.register(models.CreditNote, m2m_fields={"lines"})
        auditlog.register(models.CreditApplication)
        auditlog.register(models.RefundRequest)
        # With the file: the log keeps what was sent to the bank, whoever later reads the row.
        auditlog.register(models.RefundExportBatch)
        checks.register(check_pdf_libraries)
