"""Import a bank file and reconcile what did not match. Every posting goes through the invoices app's ledger.

Importing posts each transaction under the idempotency key `bank:<the bank's transaction id>`, so the same
file twice, or two files that overlap, post each transaction once. Transactions are handled in chunks, each
in one database transaction: a crash mid-file leaves whole chunks posted, and importing the file again posts
the rest. What does not match an open invoice waits in the queue with its reason; billing matches it, splits
it across invoices or marks it for refund, and a mistaken match is undone by reversing its entries.
"""

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, InvalidTransition, NotFound
from clinic_billing.lifecycle import transition
from invoices import services as invoice_services
from invoices.jurisdiction import current_profile
from invoices.models import Invoice, LedgerEntry, PaymentMethod
from invoices.money import MoneyError, to_money
from invoices.payment_reference import kid_is_valid

from .models import Allocation, BankFile, BankTransaction, Decision, QueueReason, posting_key
from .parsers import BankFileRefused, ParsedFile, parse_bank_file
from .parsers import BankTransaction as ParsedTransaction

logger = logging.getLogger(__name__)

CHUNK = 1000
Status = BankTransaction.Status


@dataclass(frozen=True)
class _InvoiceFacts:
    id: int
    status: str
    patient_due: Decimal
    third_party_outstanding: Decimal


def bank_file_import(*, content: bytes, filename: str, source: str, by: User | None) -> BankFile:
    """Import one bank file and return its record with the import report.

    A file that does not parse, or whose totals disagree with its records, is refused whole: its record says
    why and on which line, and nothing of it is posted or queued.
    """
    if len(content) > settings.BANK_FILE_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(limit)s MB.") % {"limit": settings.BANK_FILE_MAX_BYTES // 1_000_000},
            field="file",
        )
    digest = hashlib.sha256(content).hexdigest()
    base = {
        "filename": (filename or "bank-file")[:255],
        "sha256": digest,
        "size": len(content),
        "source": source,
        "imported_at": timezone.now(),
        "imported_by": by,
    }
    try:
        parsed = parse_bank_file(content, filename=filename)
    except BankFileRefused as refused:
        return BankFile.objects.create(**base, refusal_reason=refused.reason[:500], refusal_line=refused.line)
    bank_file = BankFile.objects.create(**base, format=str(parsed.format), sender_file_id=parsed.file_id[:100])
    _import_transactions(bank_file, parsed)
    return bank_file


def _import_transactions(bank_file: BankFile, parsed: ParsedFile) -> None:
    report = _Report()
    seen: dict[str, Decimal] = {}
    transactions = parsed.transactions
    for start in range(0, len(transactions), CHUNK):
        with transaction.atomic():
            _import_chunk(bank_file, transactions[start : start + CHUNK], seen, report)
    BankFile.objects.filter(pk=bank_file.pk).update(**report.fields())
    for name, value in report.fields().items():
        setattr(bank_file, name, value)


@dataclass
class _Report:
    transaction_count: int = 0
    transaction_sum: Decimal = Decimal("0.00")
    posted_count: int = 0
    posted_sum: Decimal = Decimal("0.00")
    queued_count: int = 0
    queued_sum: Decimal = Decimal("0.00")
    duplicate_count: int = 0
    duplicate_sum: Decimal = Decimal("0.00")

    def add(self, outcome: str, amount: Decimal) -> None:
        self.transaction_count += 1
        self.transaction_sum += amount
        setattr(self, f"{outcome}_count", getattr(self, f"{outcome}_count") + 1)
        setattr(self, f"{outcome}_sum", getattr(self, f"{outcome}_sum") + amount)

    def fields(self) -> dict[str, int | Decimal]:
        return dict(self.__dict__)


@dataclass
class _Pending:
    """A transaction of the file on its way to a row: where it goes, or why it waits."""

    parsed: ParsedTransaction
    transaction_id: str
    duplicate_of: BankTransaction | None = None
    invoice_id: int | None = None
    queue_reason: str = ""
    queue_detail: str = ""

    @property
    def payer(self) -> str:
        return "insurer" if self.parsed.payer == "insurer" else "patient"

    @property
    def currency(self) -> str:
        return self.parsed.currency[:3]

    def queue(self, reason: str, detail: str = "") -> None:
        self.queue_reason = reason
        self.queue_detail = detail[:300]


def _import_chunk(
    bank_file: BankFile, chunk: Sequence[ParsedTransaction], seen: dict[str, Decimal], report: _Report
) -> None:
    earlier = {
        row.transaction_id: row
        for row in BankTransaction.objects.filter(
            transaction_id__in=[t.transaction_id for t in chunk], duplicate_of__isnull=True
        ).only("id", "transaction_id", "amount")
    }
    invoices = _invoices_for(chunk)
    pending: list[_Pending] = []
    postings: list[tuple[_Pending, int]] = []
    for parsed in chunk:
        first = earlier.get(parsed.transaction_id)
        seen_amount = seen.get(parsed.transaction_id)
        if (first is not None and first.amount == parsed.amount) or seen_amount == parsed.amount:
            report.add("duplicate", parsed.amount)
            continue
        item = _Pending(parsed, parsed.transaction_id[:120])
        if first is not None or seen_amount is not None:
            item.duplicate_of = first
            item.queue(QueueReason.DUPLICATE_CONFLICT, _("The same transaction id came with another amount."))
            if first is None:
                # Its first occurrence is in this file and not saved yet: keep it apart by its line.
                item.transaction_id = f"{parsed.transaction_id[:100]}#line-{parsed.line or 0}"
        else:
            seen[parsed.transaction_id] = parsed.amount
            invoice = _classify(item, invoices)
            if invoice is not None:
                postings.append((item, invoice.id))
        pending.append(item)
    entries = _post_all(postings)
    rows = [_row(bank_file, item, posted=id(item) in entries) for item in pending]
    # The rows are what the bank's file says, which the file's record (audited, with its SHA-256) already holds;
    # the money they moved is in the ledger's audited entries. What billing later changes on a row is audited.
    with disable_auditlog():
        BankTransaction.objects.bulk_create(rows)
    Allocation.objects.bulk_create(
        Allocation(transaction=row, invoice_id=entries[id(item)].invoice_id, entry=entries[id(item)], amount=row.amount)
        for item, row in zip(pending, rows, strict=True)
        if id(item) in entries
    )
    for row in rows:
        report.add("posted" if row.status == Status.POSTED else "queued", row.amount)


def _row(bank_file: BankFile, item: _Pending, *, posted: bool) -> BankTransaction:
    parsed = item.parsed
    return BankTransaction(
        bank_file=bank_file,
        transaction_id=item.transaction_id,
        duplicate_of=item.duplicate_of,
        amount=parsed.amount,
        currency=item.currency,
        booked_on=parsed.booked_on,
        reference=parsed.reference[:40],
        payer=item.payer,
        payer_name=parsed.payer_name[:140],
        payer_account=parsed.payer_account[:40],
        claim_id=parsed.claim_id[:40],
        adjustments=[
            {"group": a.group_code, "reason": a.reason_code, "amount": str(a.amount)} for a in parsed.adjustments
        ],
        line=parsed.line,
        status=Status.POSTED if posted else Status.QUEUED,
        queue_reason="" if posted else item.queue_reason,
        queue_detail="" if posted else item.queue_detail,
        invoice_id=item.invoice_id,
    )


def _invoices_for(chunk: Sequence[ParsedTransaction]) -> dict[str, _InvoiceFacts]:
    """The invoices the chunk's references and claim ids name, by reference and by invoice number."""
    references = {t.reference for t in chunk if t.reference}
    numbers = {t.claim_id for t in chunk if t.claim_id} | references
    found: dict[str, _InvoiceFacts] = {}
    rows = Invoice.objects.filter(payment_reference__in=references) | Invoice.objects.filter(number__in=numbers)
    for invoice in rows.only(
        "id",
        "status",
        "number",
        "payment_reference",
        "balance",
        "insurer_paid",
        "third_party_share",
        "insurance_status",
    ):
        facts = _InvoiceFacts(invoice.id, invoice.status, invoice.patient_due, invoice.third_party_outstanding)
        if invoice.payment_reference:
            found[invoice.payment_reference] = facts
        if invoice.number:
            found.setdefault(invoice.number, facts)
    return found


def _classify(item: _Pending, invoices: dict[str, _InvoiceFacts]) -> _InvoiceFacts | None:
    """Queue the transaction with its reason, or return the invoice to post it on."""
    profile = current_profile()
    parsed = item.parsed
    if item.currency != profile.currency:
        item.queue(QueueReason.WRONG_CURRENCY, _("Paid in %(currency)s.") % {"currency": item.currency})
        return None
    if parsed.amount <= 0:
        item.queue(QueueReason.NOT_POSITIVE)
        return None
    key = parsed.claim_id if item.payer == "insurer" else parsed.reference
    if not key:
        item.queue(QueueReason.NO_REFERENCE)
        return None
    invoice = invoices.get(key)
    if invoice is None:
        if (
            item.payer == "patient"
            and profile.payment_reference_scheme == "KID"
            and key.isdigit()
            and not kid_is_valid(key, settings.PAYMENT_REFERENCE_SCHEME)
        ):
            item.queue(QueueReason.BAD_CHECK_DIGIT)
        else:
            item.queue(QueueReason.UNKNOWN_REFERENCE)
        return None
    item.invoice_id = invoice.id
    if invoice.status not in Invoice.BOOKED_STATUSES:
        item.queue(QueueReason.NOT_OPEN)
        return None
    if item.payer == "insurer":
        if parsed.amount > invoice.third_party_outstanding:
            item.queue(
                QueueReason.AMOUNT_MISMATCH,
                _("The insurer paid %(paid)s; its open share is %(open)s.")
                % {"paid": parsed.amount, "open": invoice.third_party_outstanding},
            )
            return None
    elif invoice.patient_due <= 0:
        item.queue(QueueReason.ALREADY_SETTLED)
        return None
    return invoice


def _post_all(postings: list[tuple[_Pending, int]]) -> dict[int, LedgerEntry]:
    """Post each transaction on its invoice; one the ledger refuses waits in the queue. The entries by id(item).

    Patients' payments go through the ledger's batch posting, all of a chunk at once; an insurer's claim, which
    also settles the insurance, goes one at a time.
    """
    entries: dict[int, LedgerEntry] = {}
    patients = [(item, invoice_id) for item, invoice_id in postings if item.payer != "insurer"]
    outcomes = invoice_services.payments_record_batch(
        payments=[
            invoice_services.BatchPayment(
                invoice_id=invoice_id,
                amount=item.parsed.amount,
                method=PaymentMethod.BANK_TRANSFER,
                reference=item.parsed.reference[:100],
                idempotency_key=posting_key(item.transaction_id),
            )
            for item, invoice_id in patients
        ]
    )
    for (item, _invoice_id), outcome in zip(patients, outcomes, strict=True):
        if isinstance(outcome, ApplicationError):
            item.queue(QueueReason.POSTING_REFUSED, outcome.message)
        else:
            entries[id(item)] = outcome
    for item, invoice_id in postings:
        if item.payer != "insurer":
            continue
        try:
            with transaction.atomic():
                entries[id(item)] = _post_insurer(item.parsed, invoice_id, key=posting_key(item.transaction_id))
        except ApplicationError as refused:
            item.queue(QueueReason.POSTING_REFUSED, refused.message)
    return entries


def _post_insurer(parsed: ParsedTransaction, invoice_id: int, *, key: str) -> LedgerEntry:
    """An 835 claim payment is the insurer's adjudication: posted, then what it did not pay moves to the patient."""
    result = invoice_services.payment_record(
        invoice_id=invoice_id,
        amount=parsed.amount,
        payer="insurer",
        method=PaymentMethod.INSURER_REMITTANCE,
        reference=parsed.claim_id[:100],
        idempotency_key=key,
        by=None,
    )
    invoice_services.invoice_mark_insurance_settled(invoice_id=invoice_id, by=None)
    return result.entry


def _post_part(row: BankTransaction, invoice_id: int, *, amount: Decimal, key: str) -> LedgerEntry:
    """Billing's match, or one part of its split, of a queued payment, posted as its payer's payment."""
    insurer = row.payer == "insurer"
    return invoice_services.payment_record(
        invoice_id=invoice_id,
        amount=amount,
        payer=row.payer,
        method=PaymentMethod.INSURER_REMITTANCE if insurer else PaymentMethod.BANK_TRANSFER,
        reference=(row.claim_id if insurer else row.reference)[:100],
        idempotency_key=key,
        by=None,
    ).entry


# Reconciliation: billing's decisions on queued transactions.


def _locked_transaction(transaction_pk: int) -> BankTransaction:
    try:
        return BankTransaction.objects.select_for_update().get(pk=transaction_pk)
    except BankTransaction.DoesNotExist as exc:
        raise NotFound(_("No such bank transaction."), field="transaction") from exc


def _decide(row: BankTransaction, action: str, by: User, note: str) -> Decision:
    return Decision.objects.create(
        transaction=row, action=action, note=note.strip()[:300], decided_by=by, decided_at=timezone.now()
    )


def _require_queued(row: BankTransaction) -> None:
    if row.status != Status.QUEUED:
        raise InvalidTransition(_("Only a transaction waiting in the queue can be matched, split or refunded."))
    if row.amount <= 0:
        raise InvalidTransition(_("A zero or negative amount is not a payment; mark it for refund or leave it."))
    if row.currency != current_profile().currency:
        raise InvalidTransition(_("A payment in another currency cannot be posted; mark it for refund."))


def _open_invoice(invoice_id: int) -> Invoice:
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(_("No such invoice."), field="invoice")
    if invoice.status not in Invoice.BOOKED_STATUSES:
        raise InvalidTransition(_("Invoice %(number)s is not issued.") % {"number": invoice})
    return invoice


@transaction.atomic
def transaction_split(
    *, transaction_pk: int, parts: Iterable[tuple[int, Decimal]], by: User, note: str = ""
) -> BankTransaction:
    """Post a queued transaction across one or more issued invoices; the parts must add up to its amount."""
    row = _locked_transaction(transaction_pk)
    _require_queued(row)
    try:
        parts = [(invoice_id, to_money(amount)) for invoice_id, amount in parts]
    except MoneyError as exc:
        raise ApplicationError(str(exc), field="amount") from exc
    if not parts:
        raise ApplicationError(_("Choose at least one invoice."), field="invoice")
    if any(amount <= 0 for _invoice, amount in parts):
        raise ApplicationError(_("Each part must be greater than zero."), field="amount")
    if sum(amount for _invoice, amount in parts) != row.amount:
        raise ApplicationError(
            _("The parts add up to %(sum)s, but the payment is %(amount)s.")
            % {"sum": sum(amount for _invoice, amount in parts), "amount": row.amount},
            field="amount",
        )
    if len({invoice_id for invoice_id, _amount in parts}) != len(parts):
        raise ApplicationError(_("Each invoice may appear once."), field="invoice")
    round_number = row.decisions.count()
    for number, (invoice_id, amount) in enumerate(parts, start=1):
        invoice = _open_invoice(invoice_id)
        entry = _post_part(row, invoice.pk, amount=amount, key=f"{row.idempotency_key}:{round_number}:{number}")
        Allocation.objects.create(transaction=row, invoice=invoice, entry=entry, amount=amount)
    row.invoice_id = parts[0][0]
    transition(row, Status.MATCHED, by=by, reason=note, extra_fields=["invoice"])
    _decide(row, Decision.Action.MATCH if len(parts) == 1 else Decision.Action.SPLIT, by, note)
    return row


def transaction_match(*, transaction_pk: int, invoice_id: int, by: User, note: str = "") -> BankTransaction:
    """Post a queued transaction, whole, on the invoice billing chose."""
    row = BankTransaction.objects.filter(pk=transaction_pk).only("amount").first()
    if row is None:
        raise NotFound(_("No such bank transaction."), field="transaction")
    return transaction_split(transaction_pk=transaction_pk, parts=[(invoice_id, row.amount)], by=by, note=note)


@transaction.atomic
def transaction_mark_refund(*, transaction_pk: int, by: User, note: str) -> BankTransaction:
    """Set a queued transaction aside to be paid back to the payer; nothing is posted on any invoice."""
    if not note.strip():
        raise ApplicationError(_("Say why the payment goes back to the payer."), field="note")
    row = _locked_transaction(transaction_pk)
    if row.status != Status.QUEUED:
        raise InvalidTransition(_("Only a transaction waiting in the queue can be marked for refund."))
    transition(row, Status.REFUND, by=by, reason=note)
    _decide(row, Decision.Action.REFUND, by, note)
    return row


@transaction.atomic
def transaction_undo(*, transaction_pk: int, by: User, reason: str) -> BankTransaction:
    """Undo a posting or a match: reverse each of its ledger entries and put the transaction back in the queue."""
    if not reason.strip():
        raise ApplicationError(_("Say why the match is undone."), field="reason")
    row = _locked_transaction(transaction_pk)
    if row.status not in (Status.POSTED, Status.MATCHED, Status.REFUND):
        raise InvalidTransition(_("Only a posted, matched or refund-marked transaction can be undone."))
    for allocation in row.allocations.filter(reversal__isnull=True).select_related("entry"):
        allocation.reversal = invoice_services.entry_reverse(entry_id=allocation.entry_id, reason=reason, by=by)
        allocation.reversed_at = allocation.reversal.posted_at
        allocation.save(update_fields=["reversal", "reversed_at"])
    row.queue_reason = QueueReason.UNDONE
    row.queue_detail = _("Match undone: %(reason)s") % {"reason": reason.strip()[:200]}
    transition(row, Status.QUEUED, by=by, reason=reason, extra_fields=["queue_reason", "queue_detail"])
    _decide(row, Decision.Action.UNDO, by, reason)
    return row


# The inbox: a folder the bank's files land in (settings.BANK_FILE_INBOX), swept by Celery beat.


@dataclass(frozen=True)
class InboxSweep:
    imported: list[BankFile]
    refused: list[BankFile]


def bank_inbox_sweep(*, inbox: Path) -> InboxSweep:
    """Import every file waiting in `inbox`, oldest first, and move each to `imported/` or `refused/` beside it.

    A file is moved only after its import committed; a crash in between leaves it in the inbox, and the next
    sweep imports it again, which posts nothing twice. A name already taken in the target folder gets a suffix.
    """
    imported, refused = [], []
    waiting = sorted(
        (path for path in inbox.iterdir() if path.is_file() and not path.name.startswith(".")),
        key=lambda path: (path.stat().st_mtime, path.name),
    )
    for path in waiting:
        try:
            bank_file = bank_file_import(
                content=path.read_bytes(), filename=path.name, source=BankFile.Source.INBOX, by=None
            )
        except ApplicationError as exc:  # too large: the import refused it before recording anything
            logger.warning("bank inbox file refused before import: %s", exc.message)
            _move(path, inbox / "refused")
            continue
        if bank_file.status == BankFile.Status.REFUSED:
            refused.append(bank_file)
            _move(path, inbox / "refused")
        else:
            imported.append(bank_file)
            _move(path, inbox / "imported")
    return InboxSweep(imported=imported, refused=refused)


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    number = 1
    while target.exists():
        target = folder / f"{path.stem}.{number}{path.suffix}"
        number += 1
    path.rename(target)
