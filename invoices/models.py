from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from catalogue.models import Service
from catalogue.selectors import ServiceWords
from catalogue.snapshot import words_from_snapshot
from catalogue.vocabulary import Coverage
from clinic_billing.audited import AuditedQuerySet
from clinic_billing.lifecycle import Lifecycle, StatusChange
from clinic_billing.updated_at import TouchesUpdatedAt, TracksUpdates
from clinic_billing.vocabulary import InsuranceStatus
from patients.models import Patient

from .bank_accounts import iban_formatted


class ImmutableRecordError(Exception):
    """Raised when code tries to change a record that the books require to stay as written."""


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    # Paid by the patient on the online payment provider's hosted page (online_payments), posted by its webhook.
    ONLINE_CARD = "online_card", _("Card, paid online")
    CASH = "cash", _("Cash")
    MOBILE = "mobile", _("Mobile payment")
    CHEQUE = "cheque", _("Cheque")
    INSURER_REMITTANCE = "insurer_remittance", _("Insurer remittance")


# What integrations and the API's free-text `method` send for our methods, in the clinic's languages, so a
# Norwegian patient reads "Bankoverføring" and not the "bank transfer" or "Карта" someone typed. Keys are
# compared lower-cased with spaces, hyphens and underscores removed.
PAYMENT_METHOD_SYNONYMS = {
    **{code.replace("_", ""): code for code in PaymentMethod.values},
    "transfer": PaymentMethod.BANK_TRANSFER,
    "banktransfer": PaymentMethod.BANK_TRANSFER,
    "bankoverføring": PaymentMethod.BANK_TRANSFER,
    "giro": PaymentMethod.BANK_TRANSFER,
    "nettbank": PaymentMethod.BANK_TRANSFER,
    "virement": PaymentMethod.BANK_TRANSFER,
    "transferência": PaymentMethod.BANK_TRANSFER,
    "transferênciabancária": PaymentMethod.BANK_TRANSFER,
    "банковскийперевод": PaymentMethod.BANK_TRANSFER,
    "перевод": PaymentMethod.BANK_TRANSFER,
    "kort": PaymentMethod.CARD,
    "bankkort": PaymentMethod.CARD,
    "carte": PaymentMethod.CARD,
    "cartebancaire": PaymentMethod.CARD,
    "cartão": PaymentMethod.CARD,
    "карта": PaymentMethod.CARD,
    "банковскаякарта": PaymentMethod.CARD,
    "kontant": PaymentMethod.CASH,
    "kontanter": PaymentMethod.CASH,
    "espèces": PaymentMethod.CASH,
    "numerário": PaymentMethod.CASH,
    "dinheiro": PaymentMethod.CASH,
    "наличные": PaymentMethod.CASH,
    "check": PaymentMethod.CHEQUE,
    "chèque": PaymentMethod.CHEQUE,
}


def payment_method_label(code: str) -> str:
    """The label of a stored method in the reader's language.

    Entries posted by integrations carry the free text the API was sent; a known spelling of one of our methods
    shows that method's label, anything else as it was written.
    """
    key = "".join(code.lower().replace("-", " ").replace("_", " ").split())
    method = PAYMENT_METHOD_SYNONYMS.get(key)
    return str(PaymentMethod(method).label) if method else code


class InvoiceQuerySet(TouchesUpdatedAt["Invoice"]):
    def with_patient_due(self) -> "InvoiceQuerySet":
        """Annotate `patient_due_amount`: the balance less the third party's part still expected."""
        outstanding_third_party = Case(
            When(
                ~Q(insurance_status=InsuranceStatus.SETTLED) & Q(third_party_share__gt=F("insurer_paid")),
                then=F("third_party_share") - F("insurer_paid"),
            ),
            default=Value(Decimal("0.00")),
            output_field=models.DecimalField(max_digits=12, decimal_places=2),
        )
        return self.annotate(patient_due_amount=F("balance") - outstanding_third_party)

    def issued(self) -> "InvoiceQuerySet":
        return self.filter(status__in=Invoice.BOOKED_STATUSES)


class Invoice(TracksUpdates, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", pgettext_lazy("invoice status", "Issued")
        CREDITED = "credited", _("Credited")
        VOID = "void", _("Cancelled draft")

    BOOKED_STATUSES = (Status.ISSUED, Status.CREDITED)
    LIFECYCLE = Lifecycle(
        transitions={
            Status.DRAFT: {Status.ISSUED, Status.VOID},
            Status.ISSUED: {Status.CREDITED},
            Status.CREDITED: set(),
            Status.VOID: set(),
        },
        history="InvoiceStatusChange",
        subject="invoice",
        refusal=_("A %(from)s invoice cannot become %(to)s."),
    )

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invoices")
    service_date = models.DateField(_("service date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=30, unique=True, null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    insurance_status = models.CharField(
        _("insurance status"), max_length=10, choices=InsuranceStatus.choices, default=InsuranceStatus.NONE
    )
    insurance_settled_at = models.DateTimeField(null=True, blank=True)
    # Frozen at issue from the lines.
    total = models.DecimalField(_("total"), default=Decimal("0.00"), max_digits=12, decimal_places=2)
    third_party_share = models.DecimalField(
        _("insurer's expected share"), default=Decimal("0.00"), max_digits=12, decimal_places=2
    )
    # Cached sums of the ledger, kept by invoices.services in the transaction that posts each entry;
    # `manage.py verify_ledger` recomputes them from the entries.
    balance = models.DecimalField(_("balance"), default=Decimal("0.00"), max_digits=12, decimal_places=2)
    insurer_paid = models.DecimalField(_("insurer paid"), default=Decimal("0.00"), max_digits=12, decimal_places=2)
    # The seller's and buyer's details as printed at issue (bokføringsforskriften): a reprint shows what was
    # sent, not today's address. Empty on drafts, which print the current details.
    seller_details = models.JSONField(_("seller as issued"), default=dict, blank=True)
    buyer_details = models.JSONField(_("buyer as issued"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The id the source system (the practice's EHR) gave the invoice: unique per source, empty when none.
    external_source = models.CharField(_("external source"), max_length=50, blank=True)
    external_reference = models.CharField(_("external reference"), max_length=100, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-service_date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        permissions = [
            ("issue_invoice", "Can issue invoices"),
            ("record_payment", "Can record payments"),
            ("credit_invoice", "Can credit invoices and reverse entries"),
            ("settle_insurance", "Can mark insurance settled"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_year_sequence_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="void") | (Q(number__isnull=False) & Q(due_date__isnull=False)),
                name="invoice_issued_has_number",
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_reference"],
                condition=~Q(external_reference=""),
                name="invoice_external_reference_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "status"], name="invoice_patient_status_idx"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due_idx"),
            models.Index(fields=["updated_at", "id"], name="invoice_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft %(id)s") % {"id": self.pk}

    @staticmethod
    def number_of(year: int, sequence: int) -> str:
        """The invoice number of a year's sequence number: "2026-000001"."""
        return f"{year}-{sequence:06d}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def patient_share(self) -> Decimal:
        return self.total - self.third_party_share

    @property
    def insurer_shortfall(self) -> Decimal:
        """What the insurer did not pay of its expected share when it settled for less: the patient's now."""
        if self.insurance_status != InsuranceStatus.SETTLED:
            return Decimal("0.00")
        return max(Decimal("0.00"), self.third_party_share - self.insurer_paid)

    @property
    def patient_share_after_insurance(self) -> Decimal:
        """The patient's share with what a settled insurer did not pay moved onto it."""
        return self.patient_share + self.insurer_shortfall

    @property
    def third_party_outstanding(self) -> Decimal:
        if self.insurance_status == InsuranceStatus.SETTLED:
            return Decimal("0.00")
        return max(Decimal("0.00"), self.third_party_share - self.insurer_paid)

    @property
    def patient_due(self) -> Decimal:
        """What the patient owes now; negative means a credit in the patient's favour."""
        return self.balance - self.third_party_outstanding


class OwedByDueDate(models.Model):
    """What patients owe on booked invoices falling due on one day: the aging report's totals per bucket.

    Written only by database triggers on the invoice table (migration 0012), in the statement that changes an
    invoice's balance, insurer payment, expected share, insurance status, status, due date or patient — so
    every write path (services, bulk updates, COPY) keeps it exact. A row exists while its count is positive.
    Cents, not a decimal: SQLite sums decimals as floats, and added and taken away forever they would drift.
    `manage.py verify_ledger` recomputes it from the invoices.
    """

    due_date = models.DateField(primary_key=True)
    owed_cents = models.BigIntegerField()
    invoice_count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.due_date}: {self.invoice_count} invoice(s), {self.owed_cents} cents"


class OwedByPatient(models.Model):
    """What one patient owes on booked invoices (the patient's part, where positive), kept like OwedByDueDate:
    the aging report's patients who owe most are read from its index, not aggregated from every invoice."""

    patient = models.OneToOneField(Patient, primary_key=True, on_delete=models.DO_NOTHING, related_name="+")
    owed_cents = models.BigIntegerField()
    invoice_count = models.IntegerField()

    class Meta:
        indexes = [models.Index(F("owed_cents").desc(), "patient", name="owed_by_patient_owed_idx")]

    def __str__(self) -> str:
        return f"patient {self.patient_id}: {self.invoice_count} invoice(s), {self.owed_cents} cents"


class InvoiceLineQuerySet(AuditedQuerySet["InvoiceLine"]):
    def _refuse_if_frozen(self) -> None:
        if self.exclude(invoice__status=Invoice.Status.DRAFT).exists():
            raise ImmutableRecordError("Lines of an issued invoice cannot be changed; issue a credit note.")

    def update(self, **kwargs: object) -> int:
        self._refuse_if_frozen()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_frozen()
        return super().delete()


def totals_of_lines(lines: Iterable["InvoiceLine"]) -> tuple[Decimal, Decimal]:
    """(total, insurer's expected share) of an invoice's lines: what issuing books, and what a draft shows."""
    lines = list(lines)
    total = sum((line.amount for line in lines), Decimal("0.00"))
    third_party = sum((line.amount for line in lines if line.coverage != Coverage.PATIENT), Decimal("0.00"))
    return total, third_party


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(_("service code"), max_length=20)
    # The name in the clinic's language (or as the practice system sent it); patients read `texts`.
    description = models.CharField(_("description"), max_length=300)
    # The catalogue's service behind the code, when it knows the code, and what the line keeps of it: the coding
    # system, the kind, the help article and every language's name and explanation (catalogue.snapshot).
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    coding_system = models.CharField(_("coding system"), max_length=20, blank=True)
    service_kind = models.CharField(_("kind of service"), max_length=20, blank=True)
    help_article_slug = models.SlugField(max_length=80, blank=True)
    texts = models.JSONField(default=dict, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    coverage = models.CharField(_("paid by"), max_length=20, choices=Coverage.choices, default=Coverage.PATIENT)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "position", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_unit_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    def save(self, *args: object, **kwargs: object) -> None:
        self._refuse_if_frozen()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)  # type: ignore[arg-type]

    def _refuse_if_frozen(self) -> None:
        if self.invoice_id and Invoice.objects.filter(pk=self.invoice_id).exclude(status=Invoice.Status.DRAFT).exists():
            raise ImmutableRecordError("Lines of an issued invoice cannot be changed; issue a credit note.")

    def words_for(self, language: str) -> ServiceWords:
        """The line's name and explanation for a reader of `language` (the clinic's language when it has none)."""
        return words_from_snapshot(self.texts, language=language, default_name=self.description).value

    @property
    def name(self) -> str:
        """The line's name in the active language: what bills, PDFs, letters and staff pages print."""
        return self.words_for(get_language() or settings.CLINIC_LANGUAGE).name

    @property
    def explanation(self) -> str:
        return self.words_for(get_language() or settings.CLINIC_LANGUAGE).explanation


class LedgerEntryQuerySet(AuditedQuerySet["LedgerEntry"]):
    def update(self, **kwargs: object) -> int:
        raise ImmutableRecordError("Ledger entries are never edited; post a reversing entry.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("Ledger entries are never deleted; post a reversing entry.")


class LedgerEntry(models.Model):
    """One immutable movement of money on an invoice. Positive amounts raise what is owed."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        INSURANCE_PAYMENT = "insurance_payment", _("Insurance payment")
        PATIENT_PAYMENT = "patient_payment", _("Patient payment")
        REDUCTION = "reduction", _("Reduction")
        WRITE_OFF = "write_off", _("Write-off")
        SMALL_CLAIM_CREDIT = "small_claim_credit", _("Small-claim credit")
        REMINDER_FEE = "reminder_fee", _("Reminder fee")
        CREDIT_NOTE = "credit_note", _("Credit note")
        REFUND = "refund", _("Refund")
        REVERSAL = "reversal", _("Reversal")
        # A patient's credit moved to another of their invoices: always posted as a pair summing to zero.
        CREDIT_TRANSFER_OUT = "credit_transfer_out", _("Credit moved to another invoice")
        CREDIT_TRANSFER_IN = "credit_transfer_in", _("Credit from another invoice")

    # Kinds whose amount must be positive (raise the balance) or negative (lower it).
    DEBIT_KINDS = (Kind.CHARGE, Kind.REMINDER_FEE, Kind.REFUND, Kind.CREDIT_TRANSFER_OUT)
    CREDIT_KINDS = (
        Kind.INSURANCE_PAYMENT,
        Kind.PATIENT_PAYMENT,
        Kind.REDUCTION,
        Kind.WRITE_OFF,
        Kind.SMALL_CLAIM_CREDIT,
        Kind.CREDIT_NOTE,
        Kind.CREDIT_TRANSFER_IN,
    )

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    posted_at = models.DateTimeField(_("posted at"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("method"), max_length=30, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Unique per user who posted (see the constraints): a key is the client's, never shared between users.
    # NULL, not "", when there is none, so entries without a key never collide in those unique indexes.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["posted_at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=["charge", "reminder_fee", "refund", "credit_transfer_out"]) | Q(amount__gt=0),
                name="entry_debit_kinds_positive",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[
                        "insurance_payment",
                        "patient_payment",
                        "reduction",
                        "write_off",
                        "small_claim_credit",
                        "credit_note",
                        "credit_transfer_in",
                    ]
                )
                | Q(amount__lt=0),
                name="entry_credit_kinds_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False) | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="entry_reversal_names_original",
            ),
            models.UniqueConstraint(fields=["posted_by", "idempotency_key"], name="entry_idempotency_key_per_user"),
            # NULLs are distinct in a unique index, so postings without a user need their own.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(posted_by__isnull=True),
                name="entry_idempotency_key_without_user",
            ),
        ]
        indexes = [models.Index(fields=["invoice", "posted_at"], name="entry_invoice_posted_idx")]

    def __str__(self) -> str:
        # The code, not the label: this is what the audit log keeps of an entry, the same whoever's language was
        # active when it was posted (and a label read per entry cost a bank file's posting a third of its time).
        return f"{self.kind} {self.amount}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ImmutableRecordError("Ledger entries are never edited; post a reversing entry.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("Ledger entries are never deleted; post a reversing entry.")


class InvoiceNumberCounter(models.Model):
    """The last number used per series and year: locked with SELECT … FOR UPDATE, so numbers are gapless."""

    series = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="counter_series_year_unique")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_value}"


class InvoiceStatusChange(StatusChange):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="status_changes")


class CreditNoteQuerySet(AuditedQuerySet["CreditNote"]):
    def update(self, **kwargs: object) -> int:
        raise ImmutableRecordError("A credit note is never edited; issue another credit note.")

    def replace_buyer_details(self, details: dict[str, str]) -> int:
        """The one change a credit note allows: an anonymised patient's details replace the snapshot (audited)."""
        return super().update(buyer_details=details)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("A credit note is never deleted; it is part of the books.")


class CreditNote(models.Model):
    """The document behind every reduction, write-off, small-claim credit or correction of an issued invoice.

    Numbered in its own gapless yearly series ("CN-2026-000001"), it refers to the invoice, the lines it
    concerns and the ledger entry that moved the money; the patient receives it as a PDF in their language.
    Seller and buyer are kept as they were when it was issued, like the invoice's.
    """

    class Kind(models.TextChoices):
        REDUCTION = "reduction", _("Reduction")
        WRITE_OFF = "write_off", _("Write-off")
        SMALL_CLAIM_CREDIT = "small_claim_credit", _("Small-claim credit")
        CORRECTION = "correction", _("Correction")

    # The ledger entry kind each credit note documents.
    KIND_OF_ENTRY: dict[str, str] = {
        LedgerEntry.Kind.REDUCTION: Kind.REDUCTION,
        LedgerEntry.Kind.WRITE_OFF: Kind.WRITE_OFF,
        LedgerEntry.Kind.SMALL_CLAIM_CREDIT: Kind.SMALL_CLAIM_CREDIT,
        LedgerEntry.Kind.CREDIT_NOTE: Kind.CORRECTION,
    }
    SERIES = "credit_note"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    ledger_entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="credit_note")
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount credited"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    lines = models.ManyToManyField(InvoiceLine, blank=True, related_name="credit_notes")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    seller_details = models.JSONField(_("seller as issued"), default=dict)
    buyer_details = models.JSONField(_("buyer as issued"), default=dict)

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        ordering = ["issued_at", "id"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="credit_note_year_sequence_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_note_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ImmutableRecordError("A credit note is never edited; issue another credit note.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("A credit note is never deleted; it is part of the books.")

    @staticmethod
    def number_of(year: int, sequence: int) -> str:
        """The credit note number of a year's sequence number: "CN-2026-000001"."""
        return f"CN-{Invoice.number_of(year, sequence)}"

    @property
    def line_ids(self) -> list[int]:
        """The ids of the lines it concerns (from the prefetched lines when there are)."""
        return sorted(line.pk for line in self.lines.all())


class CreditApplication(models.Model):
    """A patient's credit on one invoice applied to another of their open invoices.

    One audited operation: the pair of ledger entries it posts (out of the source, into the target) always sums
    to zero, so the patient's total is unchanged; `manage.py verify_ledger` proves every pair.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="credit_applications")
    source = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_applied_out")
    target = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_applied_in")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entry_out = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="credit_application_out")
    entry_in = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="credit_application_in")
    applied_at = models.DateTimeField(_("applied at"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AuditedQuerySet["CreditApplication"].as_manager()

    class Meta:
        ordering = ["applied_at", "id"]
        verbose_name = _("credit application")
        verbose_name_plural = _("credit applications")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_application_amount_positive"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="credit_application_two_invoices"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}: {self.amount}"


class RefundMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")


class RefundExportBatch(models.Model):
    """One pain.001 credit transfer file of approved bank refunds, kept as sent so it can be downloaded again."""

    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transaction_count = models.PositiveIntegerField(_("transactions"))
    control_sum = models.DecimalField(_("control sum"), max_digits=14, decimal_places=2)
    xml = models.TextField(_("file"))

    objects = AuditedQuerySet["RefundExportBatch"].as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund export batch")
        verbose_name_plural = _("refund export batches")

    def __str__(self) -> str:
        return self.message_id

    @property
    def filename(self) -> str:
        return f"{self.message_id}.xml"


class RefundRequest(models.Model):
    """A refund of a patient's credit, asked for by billing and decided by another colleague (four-eyes).

    Approving it posts the refund to the ledger; an approved bank transfer then waits for the pain.001 export,
    in which it goes out exactly once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPORTED = "exported", _("Sent to the bank")

    LIFECYCLE = Lifecycle(
        transitions={
            Status.PENDING: {Status.APPROVED, Status.REJECTED},
            Status.APPROVED: {Status.EXPORTED},
            Status.REJECTED: set(),
            Status.EXPORTED: set(),
        },
        history="RefundRequestStatusChange",
        subject="refund",
        refusal=_("A refund that is %(from)s cannot become %(to)s."),
    )

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="refund_requests")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refund_requests")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    method = models.CharField(_("method"), max_length=20, choices=RefundMethod.choices)
    payee_name = models.CharField(_("payee"), max_length=140, blank=True)
    # Stored as an IBAN (a Norwegian account number is converted), as the credit transfer file carries it.
    payee_account = models.CharField(_("payee's account"), max_length=34, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="refund_request"
    )
    export_batch = models.ForeignKey(
        RefundExportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )

    objects = AuditedQuerySet["RefundRequest"].as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        permissions = [("approve_refund", "Can approve or reject refunds")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=~Q(method="bank_transfer") | (~Q(payee_account="") & ~Q(payee_name="")),
                name="refund_bank_transfer_has_account",
            ),
            # Exported once, into one batch: only an approved bank transfer gets there.
            models.CheckConstraint(
                condition=(Q(status="exported") & Q(export_batch__isnull=False) & Q(method="bank_transfer"))
                | (~Q(status="exported") & Q(export_batch__isnull=True)),
                name="refund_exported_in_one_batch",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["approved", "exported"], ledger_entry__isnull=False)
                | (~Q(status__in=["approved", "exported"]) & Q(ledger_entry__isnull=True)),
                name="refund_approved_has_entry",
            ),
        ]
        indexes = [models.Index(fields=["status", "method"], name="refund_status_method_idx")]

    def __str__(self) -> str:
        return self.end_to_end_id

    @property
    def payee_account_display(self) -> str:
        """The payee's IBAN in groups of four, as people read it."""
        return iban_formatted(self.payee_account) if self.payee_account else ""

    @property
    def end_to_end_id(self) -> str:
        """The id the bank carries through to the payee's statement, unique per refund."""
        return f"REFUND-{self.pk:08d}"


class RefundRequestStatusChange(StatusChange):
    refund = models.ForeignKey(RefundRequest, on_delete=models.PROTECT, related_name="status_changes")
