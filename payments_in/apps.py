from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsInConfig(AppConfig):
    name = "payments_in"
    verbose_name = _("Bank files")
