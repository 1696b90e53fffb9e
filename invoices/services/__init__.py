"""Every write that touches an invoice or money, by subject: drafts and issue, payments, credit notes and the
ledger. One function per use case, each transactional.

Callers import from `invoices.services` (or `from invoices import services`); the modules below are where each
use case lives.
"""

from .credit_notes import (
    ADJUSTMENT_KINDS,
    CHARGED_ENTRIES,
    CREDITED_ENTRIES,
    CreditNoteNumber,
    CreditRoom,
    credit_refund,
    entry_reverse,
    invoice_adjust,
    invoice_credit,
    invoice_credit_room,
)
from .drafts import (
    InvoicePreview,
    LineInput,
    invoice_bill_now,
    invoice_create_draft,
    invoice_issue,
    invoice_preview,
    invoice_replace_lines,
    invoice_void_draft,
    issued_documents_anonymise,
)
from .ledger import (
    LedgerProblem,
    invoice_charge_fee,
    invoice_lock,
    invoice_transition,
    ledger_verify,
    owed_sums_verify,
)
from .payments import (
    BatchPayment,
    PaymentResult,
    invoice_mark_insurance_settled,
    payment_record,
    payments_record_batch,
    request_fingerprint,
)
from .refunds import (
    RefundPayee,
    clinic_debtor,
    credit_apply,
    credit_available,
    refund_approve,
    refund_reject,
    refund_request_create,
    refunds_export,
)

__all__ = [
    "ADJUSTMENT_KINDS",
    "CHARGED_ENTRIES",
    "CREDITED_ENTRIES",
    "BatchPayment",
    "CreditNoteNumber",
    "CreditRoom",
    "InvoicePreview",
    "LedgerProblem",
    "LineInput",
    "PaymentResult",
    "RefundPayee",
    "clinic_debtor",
    "credit_apply",
    "credit_available",
    "credit_refund",
    "entry_reverse",
    "invoice_adjust",
    "invoice_bill_now",
    "invoice_charge_fee",
    "invoice_create_draft",
    "invoice_credit",
    "invoice_credit_room",
    "invoice_issue",
    "invoice_lock",
    "invoice_mark_insurance_settled",
    "invoice_preview",
    "invoice_replace_lines",
    "invoice_transition",
    "invoice_void_draft",
    "issued_documents_anonymise",
    "ledger_verify",
    "owed_sums_verify",
    "payment_record",
    "payments_record_batch",
    "refund_approve",
    "refund_reject",
    "refund_request_create",
    "refunds_export",
    "request_fingerprint",
]
