from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic_billing.audited import AuditedQuerySet
from clinic_billing.lifecycle import Lifecycle, StatusChange
from clinic_billing.vocabulary import Role
from invoices.models import Invoice
from patients.models import Channel, Patient

from .vocabulary import NoticeType, fee_code_label


class FollowUpCall(models.Model):
    """A call on the staff worklist: after a complaint is closed, a callback request, a missed instalment."""

    class Reason(models.TextChoices):
        COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("Ask if the patient is satisfied with how it was handled")
        CALLBACK_REQUEST = "callback_request", _("The patient asked to be called back")
        MISSED_INSTALMENT = "missed_instalment", _("A payment-plan instalment was missed")
        OVERDUE_ACCOUNT = "overdue_account", _("Overdue account")

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        NOT_SATISFIED = "not_satisfied", _("Not satisfied")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        DONE = "done", pgettext_lazy("call outcome", "Done")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_up_calls")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    complaint = models.ForeignKey(
        "disputes.Complaint", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_up_calls"
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    # A second request about the same invoice while its call is open is added here (services.follow_up_call_open).
    request_note = models.CharField(_("what the patient asked"), max_length=2000, blank=True)
    preferred_time = models.CharField(_("preferred time"), max_length=100, blank=True)
    preferred_channel = models.CharField(_("how to reach them"), max_length=10, blank=True)
    role = models.CharField(_("who calls"), max_length=20, choices=Role.choices)
    due_at = models.DateTimeField(_("due"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("note"), max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet["FollowUpCall"].as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        indexes = [models.Index(fields=["completed_at", "due_at"], name="call_open_due_idx")]
        constraints = [
            # One open call per reason per invoice: a second missed instalment, a second notice by phone or a
            # second request from the portal is the same conversation (the worklist showed one call three times).
            # A complaint's follow-up call is per complaint, so it stays out.
            models.UniqueConstraint(
                fields=["invoice", "reason"],
                condition=Q(completed_at__isnull=True, invoice__isnull=False) & ~Q(reason="complaint_follow_up"),
                name="one_open_call_per_reason_per_invoice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.due_at:%Y-%m-%d}"

    @property
    def channel(self) -> str:
        """How the desk reaches the patient: by phone; without a phone number, in writing instead, by portal
        message when the patient has a portal account, else by letter (services.follow_up_call_write_instead)."""
        if self.patient.phone.strip():
            return Channel.PHONE
        return Channel.PORTAL if self.patient.user_id else Channel.LETTER

    @property
    def preferred_channel_label(self) -> str:
        return str(Channel(self.preferred_channel).label) if self.preferred_channel in Channel.values else ""


class FeeRate(models.Model):
    """A fee by its legal basis, with the date it took effect: amounts change over time, logic does not."""

    code = models.CharField(_("code"), max_length=40)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("legal basis"), max_length=200, blank=True)

    objects = AuditedQuerySet["FeeRate"].as_manager()

    class Meta:
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "effective_from"], name="fee_rate_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.amount} from {self.effective_from}"

    @property
    def label(self) -> str:
        return fee_code_label(self.code)


class ReminderStep(models.Model):
    """One step of the jurisdiction's reminder schedule, editable by the office manager."""

    jurisdiction = models.CharField(max_length=2)
    number = models.PositiveSmallIntegerField(_("step"))
    days_after_due = models.PositiveSmallIntegerField(_("days after the due date"))
    notice_type = models.CharField(_("notice"), max_length=20, choices=NoticeType.choices)
    fee_code = models.CharField(_("fee"), max_length=40, blank=True, help_text=_("A fee rate code; empty for none."))
    deadline_days = models.PositiveSmallIntegerField(_("new payment deadline (days)"), default=14)
    letter_only = models.BooleanField(_("always by letter"), default=False)
    manager_approval = models.BooleanField(_("escalation needs the office manager"), default=False)

    objects = AuditedQuerySet["ReminderStep"].as_manager()

    class Meta:
        ordering = ["jurisdiction", "number"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "number"], name="reminder_step_unique")]
        permissions = [("edit_schedule", "Can edit the reminder schedule")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} step {self.number}: {self.get_notice_type_display()}"

    @property
    def fee_label(self) -> str:
        """The step's fee in words; empty for none."""
        return fee_code_label(self.fee_code) if self.fee_code else ""


class Reminder(models.Model):
    """A notice for one invoice and one step: unique per (invoice, step), so a redelivered task never sends twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Claimed by one attempt (attempt_id) and committed; the notice is on its way, outside any transaction.
        SENDING = "sending", _("Sending")
        # A letter: claimed, waiting for the day's print batch. Not sent (no fee, no deadline counts) until staff
        # print the batch; neither the dispatcher nor the sweep touches it meanwhile.
        TO_PRINT = "to_print", _("Waiting for print")
        SENT = "sent", pgettext_lazy("reminder status", "Sent")
        # The channel may or may not have taken the notice: staff confirm it went out or send it again.
        UNCERTAIN = "uncertain", _("Outcome unknown")
        SKIPPED = "skipped", _("Skipped")

    LIFECYCLE = Lifecycle(
        transitions={
            Status.QUEUED: {Status.SENDING, Status.TO_PRINT, Status.SENT, Status.SKIPPED},
            # A letter whose claim was paid or put on hold before the batch was printed is not printed.
            Status.TO_PRINT: {Status.SENT, Status.SKIPPED},
            Status.SENDING: {Status.SENT, Status.QUEUED, Status.UNCERTAIN},
            Status.UNCERTAIN: {Status.SENT, Status.QUEUED},
            Status.SENT: set(),
            # The reminder sweep puts a skipped schedule notice back in the queue once the invoice is a candidate
            # again (services.RETRIED): a step is never passed over.
            Status.SKIPPED: {Status.QUEUED},
        },
        history="ReminderStatusChange",
        subject="reminder",
        refusal=_("This notice cannot go from %(from)s to %(to)s."),
    )

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    step = models.PositiveSmallIntegerField(_("step"))
    notice_type = models.CharField(_("notice"), max_length=20, choices=NoticeType.choices)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, default=0)
    deadline = models.DateField(_("new payment deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(_("why it was not sent"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    fee_entry = models.OneToOneField(
        "invoices.LedgerEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="reminder"
    )
    # The attempt that holds the claim: only it may record the outcome, so a late or duplicate worker cannot.
    attempt_id = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A queued notice waiting for the contact hours is not handed to a worker before this moment.
    not_before = models.DateTimeField(null=True, blank=True)
    # When a send task was last published for it: the dispatcher republishes what a lost task left behind.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "step"]
        constraints = [models.UniqueConstraint(fields=["invoice", "step"], name="reminder_invoice_step_unique")]
        indexes = [models.Index(fields=["status", "created_at"], name="reminder_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_notice_type_display()} {self.step} for {self.invoice}"

    @property
    def channel_label(self) -> str:
        """The channel the notice went by, in the reader's words (empty until it is sent)."""
        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


class ReminderStatusChange(StatusChange):
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="status_changes")


class PortalMessage(models.Model):
    """A message the patient reads in the portal (the portal channel)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="portal_messages")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    reminder = models.OneToOneField(Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class PaymentPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    LIFECYCLE = Lifecycle(
        transitions={
            # Completed when the invoice is settled; cancelled when a new plan or a deferral replaces it.
            Status.ACTIVE: {Status.COMPLETED, Status.BROKEN, Status.CANCELLED},
            Status.COMPLETED: set(),
            Status.BROKEN: set(),
            Status.CANCELLED: set(),
        },
        history="PaymentPlanStatusChange",
        subject="plan",
        refusal=_("A payment plan that is %(from)s cannot become %(to)s."),
    )

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payment_plans")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    total = models.DecimalField(_("amount planned"), max_digits=12, decimal_places=2)
    paid_before = models.DecimalField(max_digits=12, decimal_places=2, help_text="Patient payments before the plan.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet["PaymentPlan"].as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status="active"), name="one_active_plan_per_invoice"
            )
        ]

    def __str__(self) -> str:
        return f"Plan for {self.invoice} ({self.get_status_display()})"


class Instalment(models.Model):
    class Status(models.TextChoices):
        DUE = "due", pgettext_lazy("instalment status", "Due")
        PAID = "paid", pgettext_lazy("instalment status", "Paid")
        MISSED = "missed", _("Missed")

    LIFECYCLE = Lifecycle(
        # The instalment sweep judges a due instalment once its day has passed: paid, or missed for good.
        transitions={Status.DUE: {Status.PAID, Status.MISSED}, Status.PAID: set(), Status.MISSED: set()},
        history="InstalmentStatusChange",
        subject="instalment",
        refusal=_("An instalment that is %(from)s cannot become %(to)s."),
    )

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="instalment_unique")]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount} on {self.due_date}"


class PaymentPlanStatusChange(StatusChange):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="status_changes")


class InstalmentStatusChange(StatusChange):
    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="status_changes")


class DeferralQuerySet(AuditedQuerySet["Deferral"]):
    def active(self, today: date) -> "DeferralQuerySet":
        """The deferrals that hold collection on `today`: not yet past their date and not ended (replaced)."""
        return self.filter(until__gte=today, ended_at__isnull=True)


class Deferral(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="deferrals")
    until = models.DateField(_("deferred until"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when a new plan or deferral replaced this one: at most one arrangement holds an invoice at a time.
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DeferralQuerySet.as_manager()

    class Meta:
        ordering = ["-until", "-id"]

    def __str__(self) -> str:
        return f"{self.invoice} deferred until {self.until}"

    def is_active(self, today: date) -> bool:
        """The same test as `Deferral.objects.active(today)`, on a row already read."""
        return self.ended_at is None and self.until >= today


class PaymentPromiseQuerySet(AuditedQuerySet["PaymentPromise"]):
    def active(self, today: date) -> "PaymentPromiseQuerySet":
        """The promises that hold reminders on `today`: their date has not passed and nobody withdrew them."""
        return self.filter(until__gte=today, ended_at__isnull=True)


class PaymentPromise(models.Model):
    """The patient promised to pay by a date (and perhaps how much): no reminder goes out for the invoice, or
    for all the patient's invoices when none is named, until the day after it (collection_state's
    `promise_to_pay` hold)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="payment_promises")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_promises"
    )
    until = models.DateField(_("promised to pay by"))
    amount = models.DecimalField(_("amount promised"), max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when staff withdrew the promise (the patient called back) or a new promise replaced it.
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PaymentPromiseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="promise_amount_positive")
        ]

    def __str__(self) -> str:
        return f"Promise by patient {self.patient_id} to pay by {self.until}"

    def is_active(self, today: date) -> bool:
        """The same test as `PaymentPromise.objects.active(today)`, on a row already read."""
        return self.ended_at is None and self.until >= today


class CollectionCase(models.Model):
    """An account proposed for escalation after the final notice; the office manager decides what happens."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("collection case status", "Proposed")
        # Credit was chosen; the claim is still held (no reminder, no agency) until a colleague approves the
        # credit (four-eyes, disputes.AdjustmentRequest), or rejects it and the case is decided again.
        CREDIT_PENDING = "credit_pending", _("Credit requested, waiting for approval")
        CREDITED = "credited", _("Claim credited")
        AGENCY = "agency", _("Sent to the collection agency")
        CONCILIATION = "conciliation", _("Conciliation board")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Waiting for a decision or for the credit's approval: the account is not settled.
    UNDECIDED_STATUSES = (Status.PROPOSED, Status.CREDIT_PENDING)
    LIFECYCLE = Lifecycle(
        transitions={
            Status.PROPOSED: {Status.CREDIT_PENDING, Status.AGENCY, Status.CONCILIATION, Status.WITHDRAWN},
            Status.CREDIT_PENDING: {Status.CREDITED, Status.PROPOSED},
            # A case recalled from the agency by a complaint is decided again (services.case_is_open); going
            # back to the agency once the dispute is over keeps its status.
            Status.AGENCY: {Status.AGENCY, Status.CREDIT_PENDING, Status.CONCILIATION, Status.WITHDRAWN},
            Status.CREDITED: set(),
            Status.CONCILIATION: set(),
            Status.WITHDRAWN: set(),
        },
        history="CollectionCaseStatusChange",
        subject="case",
        refusal=_("A case that is %(from)s cannot become %(to)s."),
    )

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="collection_cases")
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.PROPOSED)
    amount = models.DecimalField(_("amount owed when proposed"), max_digits=12, decimal_places=2)
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    ledger_entry = models.OneToOneField(
        "invoices.LedgerEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="collection_case"
    )
    # A complaint about a claim at the agency recalls it: it leaves the agency's file and the export tells the
    # agency to stop; the case waits for a new decision (credit, conciliation board or withdraw).
    recalled_at = models.DateTimeField(_("recalled from the agency"), null=True, blank=True)

    objects = AuditedQuerySet["CollectionCase"].as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["invoice"], name="one_collection_case_per_invoice")]
        permissions = [("decide_collection_case", "Can decide escalations to an agency or the conciliation board")]

    def __str__(self) -> str:
        return f"Case for {self.invoice}: {self.get_status_display()}"


class CollectionCaseStatusChange(StatusChange):
    case = models.ForeignKey(CollectionCase, on_delete=models.CASCADE, related_name="status_changes")


class ConciliationNotice(models.Model):
    """A tvistevarsel sent on paper for a case: the conciliation board may be chosen once its deadline passed."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="conciliation_notices")
    sent_on = models.DateField(_("sent on"))
    answer_by = models.DateField(_("answer by"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet["ConciliationNotice"].as_manager()

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("pre-litigation notice")
        verbose_name_plural = _("pre-litigation notices")

    def __str__(self) -> str:
        return f"Pre-litigation notice for case {self.case_id} sent {self.sent_on}"
