from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic_billing.audited import AuditedQuerySet
from clinic_billing.languages import Localised
from clinic_billing.lifecycle import Lifecycle, StatusChange
from clinic_billing.vocabulary import Role
from invoices.models import Invoice, InvoiceLine, LedgerEntry
from patients.models import AuthorisedProxy, Patient

from .policy import text_in, texts_missing
from .vocabulary import Category, ComplaintChannel, ProposalKind


class Policy(models.Model):
    """One version of the refusal-to-pay policy. A change makes a new version; old decisions keep theirs."""

    version = models.PositiveIntegerField(unique=True)
    is_active = models.BooleanField(default=False)
    approval_threshold = models.DecimalField(
        _("approval threshold"),
        help_text=_("Above this only the office manager may approve."),
        max_digits=12,
        decimal_places=2,
    )
    small_claim_threshold = models.DecimalField(_("small-claim threshold"), max_digits=12, decimal_places=2)
    follow_up_days = models.PositiveSmallIntegerField(_("follow-up call after (days)"), default=3)
    # Four-eyes without deadlock: when nobody but the requester may approve a request (a sole office
    # manager's own request), the deputy decides: everyone holding this role, and/or the named person.
    deputy_approver_role = models.CharField(
        _("deputy approver (role)"), max_length=20, choices=Role.choices, blank=True, default=Role.PROVIDER
    )
    deputy_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deputy approver (person)"),
    )
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["Policy"].as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_policy")
        ]
        permissions = [("edit_policy", "Can edit the refusal-to-pay policy")]

    def __str__(self) -> str:
        return f"Policy v{self.version}"


class PolicyRule(models.Model):
    """One rule of a policy version. Its name and script are written per language ({code: text}): a rule is
    never edited in place (a change publishes a new version), so its texts travel whole with it, and a
    decision copies them, without a table of versions to join on every complaint page."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField()
    names = models.JSONField(_("name"), default=dict)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    min_amount = models.DecimalField(_("from amount"), null=True, blank=True, max_digits=12, decimal_places=2)
    max_amount = models.DecimalField(_("up to amount"), null=True, blank=True, max_digits=12, decimal_places=2)
    insurance_statuses = models.JSONField(_("insurance statuses"), default=list, blank=True)
    min_invoice_age_days = models.PositiveIntegerField(_("invoice at least (days old)"), null=True, blank=True)
    max_invoice_age_days = models.PositiveIntegerField(_("invoice at most (days old)"), null=True, blank=True)
    min_earlier_complaints = models.PositiveSmallIntegerField(_("earlier complaints at least"), null=True, blank=True)
    route_to = models.CharField(_("route to"), max_length=20, choices=Role.choices)
    meeting_within_hours = models.PositiveSmallIntegerField(_("meet within (hours)"))
    proposal_kind = models.CharField(_("proposal"), max_length=20, choices=ProposalKind.choices)
    proposal_percent = models.DecimalField(_("reduction %"), max_digits=5, decimal_places=2, null=True, blank=True)
    proposal_amount = models.DecimalField(_("reduction amount"), null=True, blank=True, max_digits=12, decimal_places=2)
    approval_role = models.CharField(_("approved by"), max_length=20, choices=Role.choices, blank=True)
    scripts = models.JSONField(_("what to say"), default=dict, blank=True)

    objects = AuditedQuerySet["PolicyRule"].as_manager()

    class Meta:
        ordering = ["policy", "position"]
        constraints = [models.UniqueConstraint(fields=["policy", "position"], name="rule_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language, else the clinic's."""
        chosen = self.localised_name
        return chosen.value if chosen else ""

    @property
    def localised_name(self) -> Localised[str] | None:
        return text_in(self.names)

    @property
    def localised_script(self) -> Localised[str] | None:
        return text_in(self.scripts)

    @property
    def missing_languages(self) -> list[str]:
        return texts_missing(self.names, self.scripts)


class Complaint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("complaint status", "Open")
        MET = "met", _("Met with the patient")
        ESCALATED = "escalated", _("Escalated to the office manager")
        CLOSED = "closed", pgettext_lazy("complaint status", "Closed")

    OPEN_STATUSES = (Status.OPEN, Status.MET, Status.ESCALATED)
    LIFECYCLE = Lifecycle(
        transitions={
            Status.OPEN: {Status.MET, Status.ESCALATED, Status.CLOSED},
            Status.MET: {Status.ESCALATED, Status.CLOSED},
            Status.ESCALATED: {Status.MET, Status.CLOSED},
            # A patient not satisfied at the follow-up call goes back to the office manager.
            Status.CLOSED: {Status.ESCALATED},
        },
        history="ComplaintStatusChange",
        subject="complaint",
        refusal=_("A complaint that is %(from)s cannot become %(to)s."),
    )

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved with the patient")
        ADJUSTED = "adjusted", _("Resolved with an adjustment")
        EXPLAINED = "explained", _("Explained, no adjustment")
        PLAN_AGREED = "plan_agreed", _("Payment plan or deferral agreed")
        STILL_DISAGREES = "still_disagrees", _("Patient still disagrees")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="complaints")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="complaints")
    lines = models.ManyToManyField(InvoiceLine, blank=True, related_name="complaints")
    proxy = models.ForeignKey(AuthorisedProxy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=ComplaintChannel.choices)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    description = models.TextField(_("the patient's own words"))
    disputed_amount = models.DecimalField(_("disputed amount"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    route_to = models.CharField(_("directed to"), max_length=20, choices=Role.choices)
    meeting_due_at = models.DateTimeField(_("meet by"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # Internal: what the clinic changes so it does not happen again. Never printed in the patient's letter.
    prevention_note = models.TextField(_("what will prevent a repeat"), blank=True)
    resolution_note = models.TextField(_("steps taken and result"), blank=True)
    # The patient-facing text of the resolution letter, previewed before closing.
    resolution_text = models.TextField(_("text of the letter to the patient"), blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["Complaint"].as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["invoice", "status"], name="complaint_invoice_status_idx"),
            models.Index(fields=["status", "meeting_due_at"], name="complaint_status_due_idx"),
        ]
        permissions = [
            ("close_complaint", "Can close complaints"),
            ("escalate_complaint", "Can decide escalations"),
        ]

    def __str__(self) -> str:
        return f"Complaint {self.pk} on {self.invoice}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ComplaintStatusChange(StatusChange):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="status_changes")


class Decision(models.Model):
    """What the policy decided, with the facts it saw and its version, so it can be explained later."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="decision")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    policy_version = models.PositiveIntegerField()
    facts = models.JSONField()
    rule_position = models.PositiveSmallIntegerField()
    # Every language version of the rule's name and script as they were when it decided, so a later edit
    # changes nothing here and staff reading in another language still read their own.
    rule_names = models.JSONField(default=dict)
    route_to = models.CharField(max_length=20, choices=Role.choices)
    meeting_within_hours = models.PositiveSmallIntegerField()
    proposal_kind = models.CharField(max_length=20, choices=ProposalKind.choices)
    proposal_amount = models.DecimalField(max_digits=12, decimal_places=2)
    approval_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    scripts = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_proposal_kind_display()} by rule {self.rule_position} (v{self.policy_version})"

    @property
    def localised_rule_name(self) -> Localised[str] | None:
        return text_in(self.rule_names)

    @property
    def localised_script(self) -> Localised[str] | None:
        return text_in(self.scripts)

    @property
    def rule_name(self) -> str:
        """The rule's name in the active language, else the clinic's (the API's `rule`)."""
        chosen = self.localised_rule_name
        return chosen.value if chosen else ""

    @property
    def script(self) -> str:
        """What to say, in the active language, else the clinic's (the API's `script`)."""
        chosen = self.localised_script
        return chosen.value if chosen else ""


class AdjustmentRequest(models.Model):
    """A proposed reduction, write-off or small-claim credit. Money moves only when it is approved.

    It is asked for on a complaint (the proposal the patient accepted), on a collection case (the provider or
    the office manager chose to credit the claim), or on the invoice alone (a credit above the policy's approval
    threshold, `invoice_credit_request`); approving it posts the entry and its credit note."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    LIFECYCLE = Lifecycle(
        transitions={
            Status.PENDING: {Status.APPROVED, Status.REJECTED},
            Status.APPROVED: set(),
            Status.REJECTED: set(),
        },
        history="AdjustmentRequestStatusChange",
        subject="adjustment",
        refusal=_("A request that is %(from)s cannot become %(to)s."),
    )

    KIND_TO_ENTRY: dict[str, str] = {
        ProposalKind.REDUCTION: LedgerEntry.Kind.REDUCTION,
        ProposalKind.WRITE_OFF: LedgerEntry.Kind.WRITE_OFF,
        ProposalKind.SMALL_CLAIM_CREDIT: LedgerEntry.Kind.SMALL_CLAIM_CREDIT,
    }

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments"
    )
    collection_case = models.ForeignKey(
        "patient_collections.CollectionCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_requests",
        verbose_name=_("collection case"),
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(_("kind"), max_length=20, choices=ProposalKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    required_role = models.CharField(_("must be approved by"), max_length=20, choices=Role.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustment"
    )

    objects = AuditedQuerySet["AdjustmentRequest"].as_manager()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("adjustment request")
        verbose_name_plural = _("adjustment requests")
        indexes = [models.Index(fields=["status", "requested_at"], name="adjustment_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="adjustment_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=["reduction", "write_off", "small_claim_credit"]), name="adjustment_money_kind"
            ),
            # Asked for on a complaint, on a collection case, or on neither: a credit asked for on the invoice
            # itself (over the API) above the policy's approval threshold; never on both.
            models.CheckConstraint(
                condition=Q(complaint__isnull=True) | Q(collection_case__isnull=True),
                name="adjustment_complaint_or_case",
            ),
            # A case waits for one credit at a time: a second click while one is pending is refused.
            models.UniqueConstraint(
                fields=["collection_case"], condition=Q(status="pending"), name="one_pending_credit_per_case"
            ),
        ]
        permissions = [("approve_adjustment", "Can approve or reject adjustment requests")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.get_status_display()})"


class AdjustmentRequestStatusChange(StatusChange):
    adjustment = models.ForeignKey(AdjustmentRequest, on_delete=models.CASCADE, related_name="status_changes")
