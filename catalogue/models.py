"""One service catalogue: what the clinic bills, under which code, in which words per language, at which price
when. Invoice lines, the public price list, the desk's quick invoices and the good-faith estimate all read it,
so a patient reads the same name and price everywhere; an invoice line keeps a snapshot (catalogue.snapshot)."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clinic_billing.audited import AuditedQuerySet

from .vocabulary import CodingSystem, Coverage, ServiceKind


class Service(models.Model):
    code = models.CharField(_("service code"), max_length=20, unique=True)
    coding_system = models.CharField(_("coding system"), max_length=20, choices=CodingSystem.choices)
    kind = models.CharField(_("kind of service"), max_length=20, choices=ServiceKind.choices)
    default_coverage = models.CharField(
        _("paid by, unless staff change it"), max_length=20, choices=Coverage.choices, default=Coverage.PATIENT
    )
    exemption_card_applies = models.BooleanField(
        _("covered after the exemption card limit"),
        default=True,
        help_text=_("Off for materials, certificates, copies of records and no-show fees."),
    )
    estimable = models.BooleanField(
        _("may be on a good-faith estimate"),
        default=True,
        help_text=_("Off for fees that are not care, such as a missed appointment fee."),
    )
    help_article_slug = models.SlugField(
        _("help article"), max_length=80, blank=True, help_text=_("The address of the help article bills link to.")
    )
    is_available = models.BooleanField(_("offered now"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=10)

    objects = AuditedQuerySet["Service"].as_manager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("service catalogue")
        permissions = [("edit_catalogue", "Can edit the service catalogue, its texts and its prices")]

    def __str__(self) -> str:
        return self.code


class ServiceText(models.Model):
    """A service's name and plain explanation in one language."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=200)
    explanation = models.CharField(_("what it includes"), max_length=500, blank=True)

    objects = AuditedQuerySet["ServiceText"].as_manager()

    class Meta:
        ordering = ["service", "language"]
        verbose_name = _("service text")
        verbose_name_plural = _("service texts")
        constraints = [models.UniqueConstraint(fields=["service", "language"], name="service_text_per_language")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.language}"


class ServicePrice(models.Model):
    """A service's price from a date; the price before it ends the day before (catalogue.services.price_set)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["ServicePrice"].as_manager()

    class Meta:
        ordering = ["service", "valid_from"]
        verbose_name = _("service price")
        verbose_name_plural = _("service prices")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="service_price_valid_range",
            ),
            models.UniqueConstraint(fields=["service", "valid_from"], name="service_price_one_per_start"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.amount} from {self.valid_from}"

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
