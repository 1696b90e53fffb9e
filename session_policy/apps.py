from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionPolicyConfig(AppConfig):
    name = "session_policy"
    verbose_name = _("Sessions")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the login, logout and account-change receivers
