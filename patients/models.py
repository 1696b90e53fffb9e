from datetime import date

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic_billing.audited import AuditedQuerySet
from clinic_billing.updated_at import TouchesUpdatedAt, TracksUpdates

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


class PatientQuerySet(TouchesUpdatedAt["Patient"]):
    pass


class Patient(TracksUpdates, models.Model):
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
    # The id the source system (the practice's EHR) gave the patient: unique per source, empty when none.
    external_source = models.CharField(_("external source"), max_length=50, blank=True)
    external_reference = models.CharField(_("external reference"), max_length=100, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [
            models.Index(Lower("name"), name="patient_name_lower_idx"),
            models.Index(fields=["date_of_birth"], name="patient_dob_idx"),
            models.Index(fields=["updated_at", "id"], name="patient_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_reference"],
                condition=~models.Q(external_reference=""),
                name="patient_external_reference_unique",
            ),
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
        # France: the health insurance (and the mutuelle) pays the clinic directly; the patient pays only the
        # ticket modérateur. The insurer-covered lines of such a patient's bill read "paid directly to us".
        TIERS_PAYANT = "tiers_payant", _("Tiers payant (health insurance pays the clinic)")

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


def private_documents() -> Storage:
    """Where uploaded documents live: no public URL; a staff view serves them after its permission check."""
    return storages["private"]


class AuthorisedProxy(models.Model):
    """Someone the patient allows to speak for them (fullmakt / power of attorney)."""

    class Scope(models.TextChoices):
        BILLING = "billing", _("Billing matters")
        ALL = "all", _("All matters")

    class Relationship(models.TextChoices):
        """Relationships read in the reader's language; the field stays free text ("my carer since 2019")."""

        SON = "son", pgettext_lazy("relationship to the patient", "son")
        DAUGHTER = "daughter", pgettext_lazy("relationship to the patient", "daughter")
        CHILD = "child", pgettext_lazy("relationship to the patient", "child")
        MOTHER = "mother", pgettext_lazy("relationship to the patient", "mother")
        FATHER = "father", pgettext_lazy("relationship to the patient", "father")
        PARENT = "parent", pgettext_lazy("relationship to the patient", "parent")
        HUSBAND = "husband", pgettext_lazy("relationship to the patient", "husband")
        WIFE = "wife", pgettext_lazy("relationship to the patient", "wife")
        PARTNER = "partner", pgettext_lazy("relationship to the patient", "partner")
        SISTER = "sister", pgettext_lazy("relationship to the patient", "sister")
        BROTHER = "brother", pgettext_lazy("relationship to the patient", "brother")
        GUARDIAN = "guardian", pgettext_lazy("relationship to the patient", "guardian")
        CARER = "carer", pgettext_lazy("relationship to the patient", "carer")
        FRIEND = "friend", pgettext_lazy("relationship to the patient", "friend")
        LAWYER = "lawyer", pgettext_lazy("relationship to the patient", "lawyer")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="proxies")
    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.BILLING)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    document_reference = models.CharField(
        _("document reference"), max_length=100, blank=True, help_text=_("Where the signed authorisation is filed.")
    )
    document = models.FileField(
        _("signed authorisation"), upload_to="proxies/%Y/", storage=private_documents, blank=True
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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

    @property
    def relationship_display(self) -> str:
        """The relationship in the reader's language when it is one of ours ("son" → "sønn"), else as typed."""
        words = self.relationship.strip().lower().removeprefix("my ").strip()
        if words in self.Relationship.values:
            return str(self.Relationship(words).label)
        return self.relationship


class ContactChange(models.Model):
    """A change of the patient's email address made by someone other than the patient (a staff member, the
    admin, an import).

    Until it is confirmed, no portal invitation goes to the new address (portal/invitations.py): otherwise
    anyone at the desk could type their own address, press Invite and sign in as the patient. The patient
    is told on the channel that still reaches them (the previous address, else a text message to their
    phone) with a link that confirms the change; or a second staff member, not the one who made the
    change, confirms it after checking with the patient. See docs/security.md, "Round 2".
    """

    class NotifiedBy(models.TextChoices):
        EMAIL = "email", _("Email to the previous address")
        SMS = "sms", _("Text message")
        NONE = "none", _("No channel left")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="contact_changes")
    old_email = models.EmailField(_("previous email"), blank=True)
    # The phone before the change: a later change in the same unconfirmed chain is told to it, not to a phone
    # typed in since.
    old_phone = models.CharField(_("previous phone"), max_length=40, blank=True)
    new_email = models.EmailField(_("new email"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()
    notified_by = models.CharField(_("patient told by"), max_length=10, choices=NotifiedBy.choices)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # Empty with a confirmation time: the patient confirmed through the link.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["ContactChange"].as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")

    def __str__(self) -> str:
        return f"Email change for patient {self.patient_id}"

    @property
    def patient_was_told(self) -> bool:
        """A link went to the patient's previous address or phone (False: none was left, or sending failed)."""
        return self.notified_by != self.NotifiedBy.NONE

    @property
    def changed_by_name(self) -> str:
        """Who made the change, as staff pages show it ("" for a change without a signed-in person)."""
        if self.changed_by is None:
            return ""
        return self.changed_by.get_full_name() or self.changed_by.username


class PatientNote(models.Model):
    """A staff member's note on the account ("called, promised to pay Friday"): shown on the patient's timeline."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"), max_length=2000)
    written_at = models.DateTimeField(_("written at"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["PatientNote"].as_manager()

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"Note on patient {self.patient_id}"


class CallerCheck(models.Model):
    """Who the staff member found on the line (or at the desk) before speaking about the account: the patient,
    an authorised proxy, or someone else. A contact by anyone but the patient is logged, allowed or refused."""

    class Caller(models.TextChoices):
        PATIENT = "patient", _("The patient")
        PROXY = "proxy", _("An authorised proxy")
        SOMEONE_ELSE = "someone_else", _("Someone else")
        NO_CALLER = "no_caller", _("Nobody: back-office work")

    class Contact(models.TextChoices):
        PHONE = "phone", _("Phone")
        DESK = "desk", _("At the desk")
        NONE = "none", _("No contact")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="caller_checks")
    caller = models.CharField(_("caller"), max_length=20, choices=Caller.choices)
    contact = models.CharField(_("contact"), max_length=10, choices=Contact.choices)
    # The name stays in `caller_name` when the grant is deleted (anonymisation).
    proxy = models.ForeignKey(AuthorisedProxy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    caller_name = models.CharField(_("name the caller gave"), max_length=200, blank=True)
    note = models.CharField(_("what they asked"), max_length=500, blank=True)
    allowed = models.BooleanField(_("account details shared"))
    checked_at = models.DateTimeField(_("checked at"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["CallerCheck"].as_manager()

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("caller check")
        verbose_name_plural = _("caller checks")

    def __str__(self) -> str:
        return f"Caller check on patient {self.patient_id}: {self.caller}"

    @property
    def is_third_party(self) -> bool:
        return self.caller in (self.Caller.PROXY, self.Caller.SOMEONE_ELSE)
