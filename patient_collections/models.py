from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from invoices.models import Invoice
from patients.models import Patient


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
        DONE = "done", _("Done")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_up_calls")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    complaint = models.ForeignKey(
        "disputes.Complaint", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_up_calls"
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    role = models.CharField(_("who calls"), max_length=20)
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

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        indexes = [models.Index(fields=["completed_at", "due_at"], name="call_open_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.due_at:%Y-%m-%d}"
