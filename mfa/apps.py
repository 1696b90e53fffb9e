from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):
    name = "mfa"
    verbose_name = _("Two-step sign-in")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .services import remember_two_factor_at_login

        user_logged_in.connect(remember_two_factor_at_login, dispatch_uid="mfa-remember-two-factor")


class TwoFactorAdminConfig(admin_apps.AdminConfig):
    """The Django admin, whose site also refuses a session that has not passed the two-step check."""

    default = False  # named in INSTALLED_APPS in place of django.contrib.admin; MfaConfig is this module's app
    default_site = "mfa.admin_site.TwoFactorAdminSite"
