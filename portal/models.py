from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic_billing.audited import AuditedQuerySet
from invoices.models import ImmutableRecordError
from patients.models import AuthorisedProxy, Language, Patient


class HelpArticle(models.Model):
    """A short answer to a common billing question, per language, edited by staff."""

    slug = models.SlugField(_("address"), max_length=80)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"), help_text=_("Plain text; a blank line starts a new paragraph."))
    position = models.PositiveSmallIntegerField(_("order"), default=10)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["HelpArticle"].as_manager()

    class Meta:
        ordering = ["language", "position", "title"]
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")
        constraints = [models.UniqueConstraint(fields=["slug", "language"], name="help_article_slug_language")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class PortalInvitation(models.Model):
    """An invitation to open a portal account, for the patient or for a proxy the patient named."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="portal_invitations")
    proxy = models.ForeignKey(
        AuthorisedProxy, on_delete=models.CASCADE, null=True, blank=True, related_name="portal_invitations"
    )
    email = models.EmailField(_("email"))
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["PortalInvitation"].as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation for patient {self.patient_id}"


# How long a good-faith estimate is kept: the provider keeps a copy of each one issued for at least 6 years (the No
# Surprises Act rules, 45 CFR 149.610; DOMAIN.md).
GOOD_FAITH_ESTIMATE_RETENTION_YEARS = 6


def retained_until(issued_on: date) -> date:
    """The last day of an estimate's retention: the same day six years on (29 February becomes the 28th)."""
    year = issued_on.year + GOOD_FAITH_ESTIMATE_RETENTION_YEARS
    try:
        return issued_on.replace(year=year)
    except ValueError:
        return issued_on.replace(year=year, day=28)


class GoodFaithEstimateQuerySet(AuditedQuerySet["GoodFaithEstimate"]):
    def update(self, **kwargs: object) -> int:
        raise ImmutableRecordError("A good-faith estimate is kept as issued; issue a new estimate instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(retain_until__gte=timezone.localdate()).exists():
            raise ImmutableRecordError("A good-faith estimate is kept for 6 years after it was issued.")
        return super().delete()


class GoodFaithEstimate(models.Model):
    """A US good-faith estimate as it was issued: what the patient typed, what was priced, and the PDF they got.

    The PDF itself is kept (not re-rendered from the inputs): the catalogue's prices and texts, the templates and
    the translations all change over six years, and the clinic must be able to show the very document the patient
    received. It lives in the row (a BinaryField of some 40 kB) rather than in the private file storage, so the
    record and its document are written in one transaction, restored together from the database backup, and
    guarded together by the retention rule below; a file volume lost or pruned apart from the database would
    leave a record without its document.
    """

    number = models.CharField(_("number"), max_length=30, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    retain_until = models.DateField(_("kept until"))
    patient = models.ForeignKey(
        Patient,
        verbose_name=_("patient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="good_faith_estimates",
        help_text=_("Set when a patient signed in to the portal asked for it."),
    )
    patient_name = models.CharField(_("patient's name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    primary_service = models.CharField(_("primary service"), max_length=500)
    service_date = models.DateField(_("scheduled date"), null=True, blank=True)
    diagnosis_codes = models.JSONField(_("diagnosis codes (ICD-10)"), default=list)
    providers = models.JSONField(
        _("providers and their items"),
        default=list,
        help_text=_("Each provider or facility with its NPI, TIN, location and priced items, as issued."),
    )
    separately_scheduled = models.JSONField(_("items to be scheduled separately"), default=list)
    total = models.DecimalField(_("total expected charges"), max_digits=12, decimal_places=2, default=Decimal("0"))
    language = models.CharField(_("language"), max_length=10)
    pdf = models.BinaryField(_("PDF as issued"))
    pdf_sha256 = models.CharField(max_length=64)

    objects = GoodFaithEstimateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("good-faith estimate")
        verbose_name_plural = _("good-faith estimates")
        indexes = [models.Index(fields=["patient_name"], name="gfe_patient_name_idx")]

    def __str__(self) -> str:
        # The number, never the name: this is what the audit log keeps of the estimate.
        return self.number

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ImmutableRecordError("A good-faith estimate is kept as issued; issue a new estimate instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        if self.retain_until >= timezone.localdate():
            raise ImmutableRecordError("A good-faith estimate is kept for 6 years after it was issued.")
        return super().delete(*args, **kwargs)  # type: ignore[arg-type]
