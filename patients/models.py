from datetime import date

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from clinic_billing.audited import AuditedQuerySet

from .validators import validate_name


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    PORTUGUESE = "pt", _("Portuguese")
    NORWEGIAN = "nb", _("Norwegian Bokmål")
    RUSSIAN = "ru", _("Russian")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")
    LETTER = "letter", _("Letter")
    PORTAL = "portal", _("Portal message")
    PHONE = "phone", _("Phone call")


class Patient(models.Model):
    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address_line = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    municipality = models.CharField(
        _("municipality"), max_length=100, blank=True, help_text=_("Decides the conciliation board.")
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.NORWEGIAN)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.LETTER
    )
    opt_out_email = models.BooleanField(_("no email"), default=False)
    opt_out_sms = models.BooleanField(_("no text messages"), default=False)
    opt_out_phone = models.BooleanField(_("no phone calls"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AuditedQuerySet["Patient"].as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [
            models.Index(Lower("name"), name="patient_name_lower_idx"),
            models.Index(fields=["date_of_birth"], name="patient_dob_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date_of_birth:%Y-%m-%d})"

    def opted_out_of(self, channel: str) -> bool:
        return {
            Channel.EMAIL: self.opt_out_email,
            Channel.SMS: self.opt_out_sms,
            Channel.PHONE: self.opt_out_phone,
        }.get(Channel(channel), False)


class Coverage(models.Model):
    class Kind(models.TextChoices):
        INSURER = "insurer", _("Insurer")
        EXEMPTION_CARD = "exemption_card", _("Exemption card")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="coverages")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    payer_name = models.CharField(_("insurer or card issuer"), max_length=200)
    member_number = models.CharField(_("policy or card number"), max_length=60, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = AuditedQuerySet["Coverage"].as_manager()

    class Meta:
        ordering = ["-valid_from", "id"]
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="coverage_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.payer_name}"

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class AuthorisedProxy(models.Model):
    """Someone the patient allows to speak for them (fullmakt / power of attorney)."""

    class Scope(models.TextChoices):
        BILLING = "billing", _("Billing matters")
        ALL = "all", _("All matters")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="proxies")
    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.BILLING)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    document_reference = models.CharField(
        _("document reference"), max_length=100, help_text=_("Where the signed authorisation is filed.")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proxy_grants",
    )

    objects = AuditedQuerySet["AuthorisedProxy"].as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("authorised proxy")
        verbose_name_plural = _("authorised proxies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="proxy_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_scope_display()})"

    def is_active_on(self, day: date) -> bool:
        return self.revoked_at is None and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
