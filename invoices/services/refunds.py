"""A patient's credit (an invoice paid more than is owed on it): applied to another of their open invoices, or
refunded after a colleague approves it (four-eyes), and the approved bank refunds sent to the bank as one
pain.001 credit transfer file.

Credit available on an invoice is what the patient has paid beyond what they owe on it, less the refunds of it
still waiting for approval, so two requests (or a request and an application) never promise the same money.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, InvalidTransition, NotFound, PermissionDenied
from clinic_billing.lifecycle import transition, transition_rows

from .. import refund_approval
from ..bank_accounts import BankAccountError, account_as_iban
from ..jurisdiction import current_profile
from ..models import CreditApplication, Invoice, LedgerEntry, RefundExportBatch, RefundMethod, RefundRequest
from ..money import CENT, ZERO
from ..pain001 import CreditTransfer, Debtor, credit_transfer_document
from ..templatetags.money import money
from .credit_notes import credit_refund
from .ledger import _lock_invoice, _positive_money, _post, _require_booked

Kind = LedgerEntry.Kind
Status = RefundRequest.Status


def _pending_refunds(invoice: Invoice) -> Decimal:
    total = RefundRequest.objects.filter(invoice=invoice, status=Status.PENDING).aggregate(s=Sum("amount"))["s"]
    # SQLite sums decimals as floats; quantising to cents restores the exact value (PostgreSQL is exact).
    return Decimal(total or 0).quantize(CENT)


def credit_available(invoice: Invoice) -> Decimal:
    """The credit on an invoice that may still be applied or refunded: what the patient paid beyond what they
    owe on it, less the refunds of it waiting for approval; never below zero."""
    return max(ZERO, -invoice.patient_due - _pending_refunds(invoice))


def _refuse_beyond_credit(invoice: Invoice, value: Decimal) -> None:
    available = credit_available(invoice)
    if value <= available:
        return
    if available <= 0:
        message = _("There is no credit on invoice %(number)s to use.") % {"number": invoice.number}
    else:
        message = _("At most %(amount)s of credit is available on invoice %(number)s.") % {
            "amount": money(available),
            "number": invoice.number,
        }
    raise ApplicationError(message, field="amount")


def _lock_pair(first_id: int, second_id: int) -> tuple[Invoice, Invoice]:
    """Lock two invoices in id order (the stable order every service locks in); return them as asked."""
    locked = {pk: _lock_invoice(pk) for pk in sorted({first_id, second_id})}
    return locked[first_id], locked[second_id]


@transaction.atomic
def credit_apply(
    *, source_id: int, target_id: int, amount: Decimal | str, by: User | None, note: str = ""
) -> CreditApplication:
    """Move part or all of the credit on one invoice to another open invoice of the same patient.

    Posts a pair of entries that sums to zero (out of the source, into the target), so the patient's total is
    unchanged, and records the application (audited). Never more than the credit available on the source, nor
    more than the patient owes on the target.
    """
    value = _positive_money(amount, "amount")
    if source_id == target_id:
        raise ApplicationError(_("Choose another invoice to apply the credit to."), field="target")
    source, target = _lock_pair(source_id, target_id)
    if source.patient_id != target.patient_id:
        raise ApplicationError(_("Credit can only be applied to an invoice of the same patient."), field="target")
    _require_booked(source, _("Applying credit"))
    if target.status != Invoice.Status.ISSUED:
        raise InvalidTransition(
            _("Credit can only be applied to an open invoice; invoice %(number)s is %(status)s.")
            % {"number": target, "status": Invoice.Status(target.status).label.lower()}
        )
    _refuse_beyond_credit(source, value)
    owed = target.patient_due
    if value > owed:
        if owed <= 0:
            message = _("The patient owes nothing on invoice %(number)s.") % {"number": target.number}
        else:
            message = _("The patient owes only %(amount)s on invoice %(number)s.") % {
                "amount": money(owed),
                "number": target.number,
            }
        raise ApplicationError(message, field="amount")
    note = note.strip()[:300] or _("Credit applied from invoice %(source)s to invoice %(target)s") % {
        "source": source.number,
        "target": target.number,
    }
    entry_out = _post(
        invoice=source, kind=Kind.CREDIT_TRANSFER_OUT, amount=value, by=by, reference=str(target.number), note=note
    )
    entry_in = _post(
        invoice=target, kind=Kind.CREDIT_TRANSFER_IN, amount=-value, by=by, reference=str(source.number), note=note
    )
    return CreditApplication.objects.create(
        patient_id=source.patient_id,
        source=source,
        target=target,
        amount=value,
        note=note,
        entry_out=entry_out,
        entry_in=entry_in,
        applied_at=entry_in.posted_at,
        applied_by=by,
    )


@dataclass(frozen=True)
class RefundPayee:
    """Where the money goes: a bank account and its holder's name, or a cash or card refund's reference."""

    method: str
    name: str = ""
    account: str = ""
    reference: str = ""


def _payee_fields(payee: RefundPayee) -> dict[str, str]:
    if payee.method not in RefundMethod.values:
        raise ApplicationError(_("Choose how the refund is paid."), field="method")
    if payee.method == RefundMethod.BANK_TRANSFER:
        name = payee.name.strip()
        if not name:
            raise ApplicationError(_("Give the name of the account holder."), field="payee_name")
        try:
            account = account_as_iban(payee.account)
        except BankAccountError as exc:
            raise ApplicationError(
                _("This is not a valid IBAN or Norwegian account number; check the digits."), field="payee_account"
            ) from exc
        return {"payee_name": name[:140], "payee_account": account, "reference": payee.reference.strip()[:100]}
    reference = payee.reference.strip()
    if not reference:
        raise ApplicationError(
            _("Give the reference of the cash or card refund (receipt or terminal number)."), field="reference"
        )
    return {"payee_name": payee.name.strip()[:140], "payee_account": "", "reference": reference[:100]}


@transaction.atomic
def refund_request_create(
    *, invoice_id: int, amount: Decimal | str, payee: RefundPayee, reason: str = "", by: User | None
) -> RefundRequest:
    """Ask for a refund of the credit on an invoice; it waits for another colleague's approval (four-eyes).

    Refused beyond the credit available, and when nobody but the requester could approve it (it would wait for
    ever). Nothing is posted until it is approved.
    """
    value = _positive_money(amount, "amount")
    fields = _payee_fields(payee)
    invoice = _lock_invoice(invoice_id)
    _require_booked(invoice, _("A refund"))
    _refuse_beyond_credit(invoice, value)
    refusal = refund_approval.refund_creation_refusal(requested_by_id=by.pk if by else None)
    if refusal:
        raise InvalidTransition(refusal)
    return RefundRequest.objects.create(
        patient_id=invoice.patient_id,
        invoice=invoice,
        amount=value,
        method=payee.method,
        reason=reason.strip()[:300],
        requested_at=timezone.now(),
        requested_by=by,
        **fields,
    )


def _lock_refund(refund_id: int) -> RefundRequest:
    try:
        return RefundRequest.objects.select_for_update().get(pk=refund_id)
    except RefundRequest.DoesNotExist as exc:
        raise NotFound(_("No such refund."), field="refund") from exc


def _check_decider(refund: RefundRequest, by: User) -> None:
    if refund.status != Status.PENDING:
        raise InvalidTransition(_("This refund was already decided."))
    refusal = refund_approval.refund_decision_refusal(by, refund)
    if refusal:
        raise PermissionDenied(refusal)


DECISION_FIELDS = ("decided_at", "decided_by", "decision_note")


def _decide(refund: RefundRequest, to_status: str, *, by: User, note: str, extra_fields: tuple[str, ...] = ()) -> None:
    refund.decided_at = timezone.now()
    refund.decided_by = by
    refund.decision_note = note.strip()[:300]
    transition(refund, to_status, by=by, reason=note, extra_fields=(*DECISION_FIELDS, *extra_fields))


@transaction.atomic
def refund_approve(*, refund_id: int, by: User, note: str = "") -> RefundRequest:
    """Four-eyes approval: posts the refund to the ledger with its method and reference, in this transaction.

    A bank transfer's reference is its end-to-end id, which the credit transfer file carries to the bank.
    """
    refund = _lock_refund(refund_id)
    _check_decider(refund, by)
    reference = refund.end_to_end_id if refund.method == RefundMethod.BANK_TRANSFER else refund.reference
    entry = credit_refund(
        invoice_id=refund.invoice_id,
        amount=refund.amount,
        method=refund.method,
        by=by,
        reference=reference,
        note=refund.reason,
    )
    refund.ledger_entry = entry
    _decide(refund, Status.APPROVED, by=by, note=note, extra_fields=("ledger_entry",))
    return refund


@transaction.atomic
def refund_reject(*, refund_id: int, by: User, note: str) -> RefundRequest:
    """Refuse a refund, saying why; nothing is posted and the credit is available again."""
    if not note.strip():
        raise ApplicationError(_("Say why the refund is rejected."), field="note")
    refund = _lock_refund(refund_id)
    _check_decider(refund, by)
    _decide(refund, Status.REJECTED, by=by, note=note)
    return refund


def clinic_debtor() -> Debtor:
    """The clinic as the payer of the refunds: its name, account (as an IBAN), bank and organisation number."""
    clinic = settings.CLINIC
    try:
        iban = account_as_iban(clinic["bank_account"])
    except BankAccountError as exc:
        raise ApplicationError(
            _("The clinic's bank account (setting CLINIC_BANK_ACCOUNT) is not a valid IBAN or Norwegian account.")
        ) from exc
    if not settings.CLINIC_BIC.strip():
        raise ApplicationError(_("Set the clinic's bank (setting CLINIC_BIC) before sending refunds to the bank."))
    return Debtor(
        name=clinic["name"],
        iban=iban,
        bic=settings.CLINIC_BIC.strip(),
        organisation_number=clinic["organisation_number"],
    )


def _transfer_of(refund: RefundRequest) -> CreditTransfer:
    return CreditTransfer(
        end_to_end_id=refund.end_to_end_id,
        amount=refund.amount,
        creditor_name=refund.payee_name,
        creditor_iban=refund.payee_account,
        remittance=_("Refund of credit on invoice %(number)s") % {"number": refund.invoice.number},
    )


@transaction.atomic
def refunds_export(*, by: User | None) -> RefundExportBatch:
    """Put every approved bank refund not yet sent into one pain.001.001.09 file, and record the batch.

    The refunds are locked and moved to "sent to the bank" with the batch in the same transaction, so a refund
    goes into one file only, even when two people export at once (the second finds nothing left, or waits).
    """
    debtor = clinic_debtor()
    refunds = list(
        RefundRequest.objects.select_for_update(of=("self",))
        .select_related("invoice")
        .filter(status=Status.APPROVED, method=RefundMethod.BANK_TRANSFER, export_batch__isnull=True)
        .order_by("pk")
    )
    if not refunds:
        raise InvalidTransition(_("There are no approved bank refunds waiting to be sent."))
    now = timezone.now()
    message_id = f"CB-{timezone.localtime(now):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:12]}"
    document = credit_transfer_document(
        message_id=message_id,
        created_at=timezone.localtime(now),
        execution_date=timezone.localdate(now),
        debtor=debtor,
        currency=current_profile().currency,
        transfers=[_transfer_of(refund) for refund in refunds],
    )
    batch = RefundExportBatch.objects.create(
        message_id=message_id,
        created_at=now,
        created_by=by,
        transaction_count=len(refunds),
        control_sum=sum((refund.amount for refund in refunds), ZERO),
        xml=document.decode("utf-8"),
    )
    moved = transition_rows(
        RefundRequest.objects.filter(pk__in=[refund.pk for refund in refunds]),
        Status.EXPORTED,
        by=by,
        reason=message_id,
        export_batch=batch,
    )
    if len(moved) != len(refunds):
        raise Conflict(_("Some of these refunds were sent by someone else meanwhile; export again."))
    return batch
