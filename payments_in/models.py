"""Bank files, the transactions they carried, and what billing decided about those that did not match.

A transaction is stored once, under the bank's transaction id, whichever file brought it first: importing
the same file again, or a file that overlaps an earlier one, finds the id and posts nothing. A transaction
that reuses an id with another amount is kept beside the first (`duplicate_of`) and waits in the queue.
Money moves only through the invoices app's ledger services; these rows say where each posting came from.
"""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic_billing.audited import AuditedQuerySet
from clinic_billing.lifecycle import Lifecycle, StatusChange
from invoices.models import Invoice, LedgerEntry

KEY_LENGTH = LedgerEntry._meta.get_field("idempotency_key").max_length or 100


def posting_key(transaction_id: str) -> str:
    """The ledger posting's idempotency key: the bank's id, so the same transaction posts once (a hash of it
    when the id would not fit the ledger's key column)."""
    key = f"bank:{transaction_id}"
    if len(key) <= KEY_LENGTH:
        return key
    return f"bank:sha256:{hashlib.sha256(transaction_id.encode()).hexdigest()}"


class FileFormat(models.TextChoices):
    OCR_GIRO = "ocr_giro", _("Nets OCR Giro")
    CAMT_053 = "camt.053", _("ISO 20022 camt.053 (statement)")
    CAMT_054 = "camt.054", _("ISO 20022 camt.054 (notification)")
    X12_835 = "x12_835", _("X12 835 remittance")


class BankFileQuerySet(AuditedQuerySet["BankFile"]):
    pass


class BankFile(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by staff")
        API = "api", _("Sent over the API")
        INBOX = "inbox", _("Picked up from the inbox folder")

    class Status:
        """Not a stored field: a file is refused exactly when it has a refusal reason."""

        IMPORTED = "imported"
        REFUSED = "refused"

    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    format = models.CharField(_("format"), max_length=10, choices=FileFormat.choices, blank=True)
    sender_file_id = models.CharField(_("sender's file id"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    refusal_reason = models.CharField(_("why it was refused"), max_length=500, blank=True)
    refusal_line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The import report, counted when the file was imported: transactions and sums per outcome.
    transaction_count = models.PositiveIntegerField(default=0)
    transaction_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    posted_count = models.PositiveIntegerField(default=0)
    posted_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    queued_count = models.PositiveIntegerField(default=0)
    queued_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    duplicate_count = models.PositiveIntegerField(default=0)
    duplicate_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    objects = BankFileQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("bank file")
        verbose_name_plural = _("bank files")
        permissions = [("import_bank_file", "Can import bank files and reconcile their transactions")]

    def __str__(self) -> str:
        return self.filename

    @property
    def status(self) -> str:
        return self.Status.REFUSED if self.refusal_reason else self.Status.IMPORTED


class QueueReason(models.TextChoices):
    BAD_CHECK_DIGIT = "bad_check_digit", _("The payment reference's check digit is wrong")
    NO_REFERENCE = "no_reference", _("The payment carries no payment reference")
    UNKNOWN_REFERENCE = "unknown_reference", _("No invoice has this payment reference")
    ALREADY_SETTLED = "already_settled", _("The invoice was already settled")
    NOT_OPEN = "not_open", _("The invoice is not open for payments")
    AMOUNT_MISMATCH = "amount_mismatch", _("The amount does not fit the invoice")
    WRONG_CURRENCY = "wrong_currency", _("The currency is not the clinic's")
    NOT_POSITIVE = "not_positive", _("The amount is zero or negative")
    DUPLICATE_CONFLICT = "duplicate_conflict", _("A transaction with this id came before with another amount")
    POSTING_REFUSED = "posting_refused", _("The ledger refused the posting")
    UNDONE = "undone", _("Billing undid its posting")


class BankTransactionQuerySet(AuditedQuerySet["BankTransaction"]):
    def queued(self) -> "BankTransactionQuerySet":
        return self.filter(status=BankTransaction.Status.QUEUED)


class BankTransaction(models.Model):
    class Status(models.TextChoices):
        POSTED = "posted", pgettext_lazy("bank transaction status", "Posted")
        QUEUED = "queued", _("Waiting in the queue")
        MATCHED = "matched", _("Matched by billing")
        REFUND = "refund", _("Marked for refund")

    # Created posted or queued by the import; billing matches, splits or marks a queued one, and an undo puts a
    # posted, matched or marked one back in the queue.
    LIFECYCLE = Lifecycle(
        transitions={
            Status.POSTED: {Status.QUEUED},
            Status.QUEUED: {Status.MATCHED, Status.REFUND},
            Status.MATCHED: {Status.QUEUED},
            Status.REFUND: {Status.QUEUED},
        },
        history="BankTransactionStatusChange",
        subject="bank_transaction",
        refusal=_("A bank payment that is %(from)s cannot become %(to)s."),
    )

    bank_file = models.ForeignKey(BankFile, on_delete=models.PROTECT, related_name="transactions")
    transaction_id = models.CharField(_("bank's transaction id"), max_length=120)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="conflicting_duplicates"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    booked_on = models.DateField(_("booked on"))
    reference = models.CharField(_("payment reference"), max_length=40, blank=True)
    payer = models.CharField(_("payer"), max_length=10, default="patient")
    payer_name = models.CharField(_("payer's name"), max_length=140, blank=True)
    payer_account = models.CharField(_("payer's account"), max_length=40, blank=True)
    claim_id = models.CharField(_("claim id"), max_length=40, blank=True)
    adjustments = models.JSONField(_("claim adjustments"), default=list, blank=True)
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    queue_reason = models.CharField(_("why it waits"), max_length=20, choices=QueueReason.choices, blank=True)
    queue_detail = models.CharField(_("details"), max_length=300, blank=True)
    # The invoice the reference named, when it named one (also for a queued transaction, as a hint).
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_transactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BankTransactionQuerySet.as_manager()

    class Meta:
        ordering = ["-booked_on", "-id"]
        verbose_name = _("bank transaction")
        verbose_name_plural = _("bank transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["transaction_id"], condition=Q(duplicate_of__isnull=True), name="bank_transaction_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "booked_on"], name="bank_txn_status_idx")]

    def __str__(self) -> str:
        return self.transaction_id

    @property
    def idempotency_key(self) -> str:
        return posting_key(self.transaction_id)


class Allocation(models.Model):
    """Money of one bank transaction posted on one invoice: automatically, or by billing's match or split."""

    transaction = models.ForeignKey(BankTransaction, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reversal = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.transaction_id} → {self.invoice_id}: {self.amount}"


class DecisionQuerySet(AuditedQuerySet["Decision"]):
    pass


class BankTransactionStatusChange(StatusChange):
    bank_transaction = models.ForeignKey(BankTransaction, on_delete=models.CASCADE, related_name="status_changes")


class Decision(models.Model):
    """What billing decided about a transaction in the queue: kept, never edited (undo is a new decision)."""

    class Action(models.TextChoices):
        MATCH = "match", _("Matched to an invoice")
        SPLIT = "split", _("Split across invoices")
        REFUND = "refund", _("Marked for refund")
        UNDO = "undo", _("Match undone by a reversal")

    transaction = models.ForeignKey(BankTransaction, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(_("decision"), max_length=10, choices=Action.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("reconciliation decision")
        verbose_name_plural = _("reconciliation decisions")

    def __str__(self) -> str:
        return f"{self.action} {self.transaction_id}"
