"""Corrections over the API (issue 19, item 5): cancel a draft, credit an issued invoice, reverse a payment and
refund a credit, each through the service the staff screens use, with its four-eyes where it has one.

`PATCH /patients/{id}/` (contact details) is in api/patients.py, beside the patient's GET.
"""

from typing import Any

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.adjustments import AdjustmentOutputSerializer
from api.base import CONFLICT, REFUSED, StaffApi, TextField, log_read, money_field, staff_member
from api.invoices import CreditNoteSerializer, InvoiceDetailApi, invoice_response
from clinic_billing.exceptions import InvalidTransition
from disputes import services as dispute_services
from invoices import services as invoice_services
from invoices.models import LedgerEntry, RefundMethod, RefundRequest
from invoices.selectors import PAYMENT_KINDS, credit_note_detail
from payments_in.selectors import bank_transaction_of_entry

REASON_HELP = "Why: kept on the record's history and, for a credit, printed on the credit note."
BANK_FILE_PAYMENT = "bank_file_payment"


class InvoiceVoidApi(StaffApi):
    """Cancel a draft that will never be issued: it has no number, so no gap appears in the series.

    An issued invoice is never cancelled (409 `invalid_transition`): credit it instead with
    `POST /invoices/{id}/credit-notes/`.
    """

    required_permission = "invoices.change_invoice"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "InvoiceVoid"

        reason = TextField(max_length=300, help_text=REASON_HELP)

    @extend_schema(
        operation_id="invoice_void",
        request=InputSerializer,
        responses={200: InvoiceDetailApi.OutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        data = self.input_data(request)
        invoice_services.invoice_void_draft(invoice_id=invoice_id, by=staff_member(request), reason=data["reason"])
        return invoice_response(invoice_id)


class InvoiceCreditApi(StaffApi):
    """Credit an issued invoice, in part or in full, with a numbered credit note (never by editing its lines).

    Up to the active policy's approval threshold the credit note is issued at once: 201 with it. Above it only
    the office manager may approve a credit, so it waits as a pending reduction request in the approval queue:
    202 with that request (`GET /adjustments/`; approving it posts the reduction and its credit note). Beyond
    what may still be credited, 400 naming `amount`; on a draft or a cancelled invoice, 409.
    """

    required_permission = "invoices.credit_invoice"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CreditNoteCreate"

        amount = money_field(
            required=False,
            allow_null=True,
            help_text="The amount to credit, positive; left out or null: all that may still be credited.",
        )
        reason = TextField(max_length=300, help_text=REASON_HELP)

    @extend_schema(
        operation_id="invoice_credit_note_create",
        request=InputSerializer,
        responses={201: CreditNoteSerializer, 202: AdjustmentOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        data = self.input_data(request)
        outcome = dispute_services.invoice_credit_request(
            invoice_id=invoice_id, amount=data.get("amount"), reason=data["reason"], by=staff_member(request)
        )
        if outcome.adjustment is not None:
            body = AdjustmentOutputSerializer(outcome.adjustment, context={"request": request}).data
            return Response(body, status=status.HTTP_202_ACCEPTED)
        assert outcome.entry is not None
        credit_note = credit_note_detail(credit_note_id=outcome.entry.credit_note.pk)
        return Response(CreditNoteSerializer(credit_note).data, status=status.HTTP_201_CREATED)


class ReversalOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PaymentReversal"

    id = serializers.IntegerField(help_text="The reversing ledger entry.")
    payment = serializers.IntegerField(help_text="The payment it reverses (its ledger entry).")
    invoice = serializers.IntegerField()
    amount = money_field(help_text="The amount taken back off the invoice's payments, positive.")
    reason = serializers.CharField()
    posted_at = serializers.DateTimeField()
    balance_after = money_field(help_text="The invoice's ledger balance after the reversal.")


def reversal_body(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "payment": entry.reverses_id,
        "invoice": entry.invoice_id,
        "amount": entry.amount,
        "reason": entry.note,
        "posted_at": entry.posted_at,
        "balance_after": entry.balance_after,
    }


class PaymentReverseApi(StaffApi):
    """Reverse a payment booked by mistake (wrong invoice, wrong amount): its exact opposite is posted and the
    payment itself stays as it was. A payment is reversed once (409 `invalid_transition` the second time).

    A payment posted from a bank file is undone on the bank file's transaction instead (409
    `bank_file_payment`), which puts the money back in the reconciliation queue.
    """

    required_permission = "invoices.credit_invoice"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentReverse"

        reason = TextField(max_length=300, help_text=REASON_HELP)

    @extend_schema(
        operation_id="payment_reverse",
        request=InputSerializer,
        responses={201: ReversalOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, payment_id: int) -> Response:
        data = self.input_data(request)
        if not LedgerEntry.objects.filter(pk=payment_id, kind__in=PAYMENT_KINDS).exists():
            raise Http404
        if bank_transaction_of_entry(entry_id=payment_id) is not None:
            raise InvalidTransition(
                _(
                    "This payment came from a bank file: undo it on the bank file's transaction, which returns "
                    "the money to the queue."
                ),
                code=BANK_FILE_PAYMENT,
            )
        entry = invoice_services.entry_reverse(entry_id=payment_id, reason=data["reason"], by=staff_member(request))
        return Response(ReversalOutputSerializer(reversal_body(entry)).data, status=status.HTTP_201_CREATED)


class RefundOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Refund"

    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    patient = serializers.IntegerField(source="patient_id")
    amount = money_field()
    method = serializers.ChoiceField(choices=RefundMethod.choices)
    payee_name = serializers.CharField()
    payee_account = serializers.CharField(help_text="The IBAN a bank refund goes to; empty for cash or card.")
    reference = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=RefundRequest.Status.choices)
    requested_at = serializers.DateTimeField()
    ledger_entry = serializers.IntegerField(
        source="ledger_entry_id", allow_null=True, help_text="The refund's ledger entry, once approved."
    )


class RefundCreateApi(StaffApi):
    """Ask for a refund of the credit on an invoice (what the patient paid beyond what they owe on it).

    Always four-eyes: 202 with the pending refund, which another colleague (the office manager, or the deputy)
    approves on the refunds page; nothing is posted until then. Beyond the credit still available (less refunds
    already waiting), 400 naming `amount`; when nobody but the requester could approve it, 409.
    """

    required_permission = "invoices.add_refundrequest"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RefundCreate"

        amount = money_field(help_text="Greater than zero; at most the credit available on the invoice.")
        method = serializers.ChoiceField(choices=RefundMethod.choices)
        payee_name = TextField(
            max_length=140, allow_blank=True, default="", help_text="The account holder; needed for bank transfer."
        )
        payee_account = TextField(
            max_length=40, allow_blank=True, default="", help_text="IBAN or Norwegian account; for bank transfer."
        )
        reference = TextField(
            max_length=100,
            allow_blank=True,
            default="",
            help_text="Receipt or terminal number of a cash or card refund.",
        )
        reason = TextField(max_length=300, allow_blank=True, default="")

    @extend_schema(
        operation_id="invoice_refund_create",
        request=InputSerializer,
        responses={202: RefundOutputSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        data = self.input_data(request)
        refund = invoice_services.refund_request_create(
            invoice_id=invoice_id,
            amount=data["amount"],
            payee=invoice_services.RefundPayee(
                method=data["method"],
                name=data["payee_name"],
                account=data["payee_account"],
                reference=data["reference"],
            ),
            reason=data["reason"],
            by=staff_member(request),
        )
        log_read(refund.invoice)
        return Response(RefundOutputSerializer(refund).data, status=status.HTTP_202_ACCEPTED)


class RefundDetailApi(StaffApi):
    """One refund: whether it still waits for approval, was approved (its ledger entry) or rejected."""

    required_permission = "invoices.view_refundrequest"
    etag = True

    @extend_schema(operation_id="refund_retrieve", responses={200: RefundOutputSerializer, **REFUSED})
    def get(self, request: Request, refund_id: int) -> Response:
        refund = RefundRequest.objects.filter(pk=refund_id).select_related("invoice").first()
        if refund is None:
            raise Http404
        log_read(refund.invoice)
        return Response(RefundOutputSerializer(refund).data)


urlpatterns = [
    path("invoices/<int:invoice_id>/void/", InvoiceVoidApi.as_view(), name="api-invoice-void"),
    path("invoices/<int:invoice_id>/credit-notes/", InvoiceCreditApi.as_view(), name="api-invoice-credit-note-create"),
    path("invoices/<int:invoice_id>/refunds/", RefundCreateApi.as_view(), name="api-invoice-refund-create"),
    path("refunds/<int:refund_id>/", RefundDetailApi.as_view(), name="api-refund-detail"),
    path("payments/<int:payment_id>/reverse/", PaymentReverseApi.as_view(), name="api-payment-reverse"),
]
