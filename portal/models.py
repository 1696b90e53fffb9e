from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clinic_billing.audited import AuditedQuerySet
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
