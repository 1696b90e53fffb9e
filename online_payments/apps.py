"""Online payment of a bill through a payment provider's hosted page (Stripe Checkout first)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnlinePaymentsConfig(AppConfig):
    name = "online_payments"
    verbose_name = _("Online payments")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.CheckoutSession)
