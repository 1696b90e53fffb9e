from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Patient portal")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.HelpArticle)
        auditlog.register(models.PortalInvitation, exclude_fields=["token_hash"])
        # The PDF is kept in the row; its digest stands for it in the log.
        auditlog.register(models.GoodFaithEstimate, exclude_fields=["pdf"])
