from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientCollectionsConfig(AppConfig):
    name = "patient_collections"
    label = "patient_collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.FollowUpCall)
        auditlog.register(models.ReminderStep)
        auditlog.register(models.FeeRate)
        auditlog.register(models.PaymentPlan)
        auditlog.register(models.Deferral)
        auditlog.register(models.PaymentPromise)
        auditlog.register(models.CollectionCase)
