from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnlinePaymentsConfig(AppConfig):
    name = "online_payments"
    verbose_name = _("Online payments")
