"""REST API for invoices and payments (v1). Views parse, call a service or selector, and serialise."""

from typing import Any

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import REFUSED, DecimalStringField, StaffApi, TextField, log_read, money_field, staff_member
from api.external_references import (
    DuplicateOutputSerializer,
    ExternalReferenceInput,
    SyncFieldsOutput,
    external_reference_values,
)
from api.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER, idempotency_key_clean
from clinic_billing.api_errors import ErrorOutputSerializer
from clinic_billing.dates import date_in_range
from disputes.models import Category, Complaint, Role
from disputes.selectors import open_complaint_for_invoice
from invoices import services
from invoices.models import Coverage, CreditNote, InsuranceStatus, Invoice, LedgerEntry
from invoices.pdf import credit_note_pdf_bytes, invoice_pdf_bytes
from invoices.selectors import credit_note_detail, invoice_detail
from patient_collections.collection_state import CollectionState, HoldReason, collection_state
from patients.models import Patient

PAYERS: dict[str, str] = {LedgerEntry.Kind.PATIENT_PAYMENT: "patient", LedgerEntry.Kind.INSURANCE_PAYMENT: "insurer"}


class OpenComplaintSerializer(serializers.Serializer):
    class Meta:
        ref_name = "OpenComplaint"

    id = serializers.IntegerField()
    category = serializers.ChoiceField(choices=Category.choices)
    status = serializers.ChoiceField(choices=Complaint.Status.choices)
    route_to = serializers.ChoiceField(choices=Role.choices)
    meeting_due_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()


class CreditNoteSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CreditNote"

    id = serializers.IntegerField()
    number = serializers.CharField(help_text="Gapless per year in its own series, e.g. CN-2026-000001.")
    invoice = serializers.IntegerField(source="invoice_id", help_text="The invoice it credits.")
    kind = serializers.ChoiceField(choices=CreditNote.Kind.choices)
    amount = money_field(help_text="The amount credited, positive.")
    reason = serializers.CharField()
    issued_at = serializers.DateTimeField()
    lines = serializers.ListField(
        child=serializers.IntegerField(),
        source="line_ids",
        help_text="Ids of the invoice lines it concerns; empty: the invoice as a whole.",
    )
    requested_by = serializers.IntegerField(source="requested_by_id", allow_null=True)
    approved_by = serializers.IntegerField(source="approved_by_id", allow_null=True)
    ledger_entry = serializers.IntegerField(source="ledger_entry_id", help_text="The ledger entry it documents.")


def _get_invoice(invoice_id: int) -> Invoice:
    invoice = invoice_detail(invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    invoice.open_complaint = open_complaint_for_invoice(invoice_id=invoice.pk)  # type: ignore[attr-defined]
    invoice.collection = collection_state(invoice_id=invoice.pk, today=timezone.localdate())  # type: ignore[attr-defined]
    return invoice


class CollectionStateFields(serializers.Serializer):
    """`collection_state` and `holds` of an invoice, read from its `collection` attribute (an
    InvoiceCollectionState): the same state the staff pages, the portal, the letters and the sweeps read."""

    collection_state = serializers.ChoiceField(
        source="collection.state",
        choices=CollectionState.choices,
        help_text="Where the claim stands in collections today; `held` while any hold stops the clock.",
    )
    holds = serializers.ListField(
        source="collection.holds",
        child=serializers.ChoiceField(choices=HoldReason.choices),
        help_text="Every hold that stops collection today, most important first; empty when none does.",
    )


class InvoiceDetailApi(StaffApi):
    """The invoice with its lines, shares, what the patient owes now and its collection state."""

    required_permission = "invoices.view_invoice"
    etag = True

    class OutputSerializer(CollectionStateFields, SyncFieldsOutput):
        class Meta:
            ref_name = "Invoice"

        class LineSerializer(serializers.Serializer):
            class Meta:
                ref_name = "InvoiceLine"

            id = serializers.IntegerField()
            code = serializers.CharField()
            description = serializers.CharField()
            quantity = serializers.DecimalField(max_digits=9, decimal_places=2)
            unit_price = money_field()
            coverage = serializers.ChoiceField(choices=Coverage.choices)
            amount = money_field(help_text="quantity × unit_price, rounded to cents.")

        id = serializers.IntegerField()
        patient = serializers.IntegerField(source="patient_id")
        service_date = serializers.DateField()
        number = serializers.CharField(allow_null=True, help_text="Gapless per year; null while a draft.")
        status = serializers.ChoiceField(choices=Invoice.Status.choices)
        total = money_field(help_text="Sum of the lines, frozen at issue; 0.00 on a draft.")
        insurer_share = money_field(
            source="third_party_share",
            help_text="What the insurer or exemption card is expected to pay (frozen at issue).",
        )
        insurer_paid = money_field(help_text="What the insurer has paid so far.")
        patient_share = money_field(help_text="total − insurer_share.")
        balance = money_field(
            source="patient_due",
            help_text=(
                "What the patient owes now: the ledger balance less the insurer's part still expected "
                "(none once insurance is settled). Negative is a credit in the patient's favour."
            ),
        )
        ledger_balance = money_field(source="balance", help_text="The raw sum of the invoice's ledger entries.")
        due_date = serializers.DateField(allow_null=True)
        payment_reference = serializers.CharField(
            allow_null=True, help_text="KID or other check-digit reference to quote when paying; null on a draft."
        )
        insurance_status = serializers.ChoiceField(choices=InsuranceStatus.choices)
        lines = LineSerializer(many=True)
        open_complaint = OpenComplaintSerializer(
            allow_null=True,
            help_text="The complaint open on this invoice (collections pause while it is open), or null.",
        )
        credit_notes = CreditNoteSerializer(
            many=True,
            help_text="Every reduction, write-off, small-claim credit or correction of this invoice, oldest first.",
        )

    @extend_schema(operation_id="invoice_retrieve", responses={200: OutputSerializer, **REFUSED})
    def get(self, request: Request, invoice_id: int) -> Response:
        invoice = _get_invoice(invoice_id)
        log_read(invoice)
        return Response(self.OutputSerializer(invoice).data)


def invoice_response(invoice_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(InvoiceDetailApi.OutputSerializer(_get_invoice(invoice_id)).data, status=status_code)


class InvoiceCreateApi(StaffApi):
    """Create a draft invoice; its lines can change (outside this API) until it is issued."""

    required_permission = "invoices.add_invoice"

    class InputSerializer(ExternalReferenceInput):
        class Meta:
            ref_name = "InvoiceCreate"

        class LineSerializer(serializers.Serializer):
            class Meta:
                ref_name = "InvoiceLineCreate"

            code = TextField(max_length=20)
            description = TextField(max_length=300)
            quantity = DecimalStringField(max_digits=9, decimal_places=2)
            unit_price = money_field()
            coverage = serializers.ChoiceField(choices=Coverage.choices)

        patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
        service_date = serializers.DateField(validators=[date_in_range])
        lines = LineSerializer(many=True, allow_empty=False)
        insurance_status = serializers.ChoiceField(
            choices=InsuranceStatus.choices,
            required=False,
            help_text="Defaults to pending when a line is covered by an insurer or exemption card, else none.",
        )

    @extend_schema(
        operation_id="invoice_create",
        request=InputSerializer,
        responses={201: InvoiceDetailApi.OutputSerializer, **REFUSED, 409: DuplicateOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = dict(self.input_data(request))
        external = external_reference_values(data)
        invoice = services.invoice_create_draft(
            patient_id=data["patient"].pk,
            service_date=data["service_date"],
            lines=[services.LineInput(**line) for line in data["lines"]],
            insurance_status=data.get("insurance_status"),
            by=staff_member(request),
            **external,
        )
        return invoice_response(invoice.pk, status_code=status.HTTP_201_CREATED)


class InvoiceIssueApi(StaffApi):
    """Freeze the lines, take the next number of the year, set payment reference and due date, post the charge.

    Issuing an invoice that is not a draft is refused with 409.
    """

    required_permission = "invoices.issue_invoice"

    @extend_schema(
        operation_id="invoice_issue",
        request=None,
        responses={200: InvoiceDetailApi.OutputSerializer, 409: ErrorOutputSerializer, **REFUSED},
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        services.invoice_issue(invoice_id=invoice_id, by=staff_member(request))
        return invoice_response(invoice_id)


class InvoiceInsuranceSettledApi(StaffApi):
    """Mark the insurer's part final: what it paid stands and the rest of the balance is the patient's."""

    required_permission = "invoices.settle_insurance"

    @extend_schema(
        operation_id="invoice_insurance_settled",
        request=None,
        responses={200: InvoiceDetailApi.OutputSerializer, 409: ErrorOutputSerializer, **REFUSED},
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        services.invoice_mark_insurance_settled(invoice_id=invoice_id, by=staff_member(request))
        return invoice_response(invoice_id)


class PDFRenderer(BaseRenderer):
    """Passes the bytes of a PDF through; lets clients send `Accept: application/pdf`."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data


class InvoicePdfApi(StaffApi):
    """The invoice as a PDF in the patient's language."""

    required_permission = "invoices.view_invoice"
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        operation_id="invoice_pdf",
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **{(code, "application/json"): serializer for code, serializer in REFUSED.items()},
        },
    )
    def get(self, request: Request, invoice_id: int) -> Response:
        invoice = _get_invoice(invoice_id)
        log_read(invoice)
        filename = f"invoice-{invoice.number or f'draft-{invoice.pk}'}.pdf"
        return Response(
            invoice_pdf_bytes(invoice),
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        # The document is a PDF whatever the client accepts; a refusal is JSON even when it asked for a PDF.
        renderer = PDFRenderer() if response.status_code < 400 else JSONRenderer()
        request.accepted_renderer = renderer
        request.accepted_media_type = renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _get_credit_note(credit_note_id: int) -> CreditNote:
    credit_note = credit_note_detail(credit_note_id=credit_note_id)
    if credit_note is None:
        raise Http404
    return credit_note


class CreditNoteDetailApi(StaffApi):
    """One credit note: the invoice it credits, the lines it concerns, the amount, the reason, who approved it."""

    required_permission = "invoices.view_invoice"
    etag = True

    @extend_schema(operation_id="credit_note_retrieve", responses={200: CreditNoteSerializer, **REFUSED})
    def get(self, request: Request, credit_note_id: int) -> Response:
        credit_note = _get_credit_note(credit_note_id)
        log_read(credit_note.invoice)
        return Response(CreditNoteSerializer(credit_note).data)


class CreditNotePdfApi(InvoicePdfApi):
    """The credit note as a PDF in the patient's language, with the buyer and seller as issued."""

    @extend_schema(
        operation_id="credit_note_pdf",
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **{(code, "application/json"): serializer for code, serializer in REFUSED.items()},
        },
    )
    def get(self, request: Request, credit_note_id: int) -> Response:  # type: ignore[override]
        credit_note = _get_credit_note(credit_note_id)
        log_read(credit_note.invoice)
        return Response(
            credit_note_pdf_bytes(credit_note),
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="credit-note-{credit_note.number}.pdf"'},
        )


class PaymentCreateApi(StaffApi):
    """Record a payment from the patient or the insurer.

    Refused with 409 on a draft. An overpayment is kept as a credit (a negative balance).
    """

    required_permission = "invoices.record_payment"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentCreate"

        amount = money_field(help_text="Greater than zero, at most two decimals.")
        payer = serializers.ChoiceField(choices=[("patient", "Patient"), ("insurer", "Insurer")])
        method = TextField(max_length=30, help_text="bank transfer, card, cash, …")
        reference = TextField(max_length=100, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Payment"

        id = serializers.IntegerField(help_text="The ledger entry.")
        invoice = serializers.IntegerField()
        amount = money_field(help_text="The amount paid, positive.")
        payer = serializers.ChoiceField(choices=[("patient", "Patient"), ("insurer", "Insurer")])
        method = serializers.CharField()
        reference = serializers.CharField()
        posted_at = serializers.DateTimeField()
        balance_after = money_field(help_text="The invoice's ledger balance after this entry.")

    @extend_schema(
        operation_id="invoice_payment_create",
        request=InputSerializer,
        responses={201: OutputSerializer, 409: ErrorOutputSerializer, **REFUSED},
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        data = self.input_data(request)
        key = idempotency_key_clean(request.headers.get(IDEMPOTENCY_HEADER))
        # The ledger keeps the key too, beyond the API's retention: a replay it answers is marked as one as well.
        result = services.payment_record(invoice_id=invoice_id, by=staff_member(request), idempotency_key=key, **data)
        headers = {} if result.created else {REPLAYED_HEADER: "true"}
        return Response(
            self.OutputSerializer(payment_body(result.entry)).data, status=status.HTTP_201_CREATED, headers=headers
        )


def payment_body(entry: LedgerEntry) -> dict[str, Any]:
    """The payment as the API shows it, from the immutable entry alone (so a replay gets the same body)."""
    return {
        "id": entry.pk,
        "invoice": entry.invoice_id,
        "amount": -entry.amount,
        "payer": PAYERS[entry.kind],
        "method": entry.method,
        "reference": entry.reference,
        "posted_at": entry.posted_at,
        "balance_after": entry.balance_after,
    }


urlpatterns = [
    path("invoices/<int:invoice_id>/", InvoiceDetailApi.as_view(), name="api-invoice-detail"),
    path("invoices/<int:invoice_id>/issue/", InvoiceIssueApi.as_view(), name="api-invoice-issue"),
    path("invoices/<int:invoice_id>/pdf/", InvoicePdfApi.as_view(), name="api-invoice-pdf"),
    path("invoices/<int:invoice_id>/payments/", PaymentCreateApi.as_view(), name="api-invoice-payment-create"),
    path("credit-notes/<int:credit_note_id>/", CreditNoteDetailApi.as_view(), name="api-credit-note-detail"),
    path("credit-notes/<int:credit_note_id>/pdf/", CreditNotePdfApi.as_view(), name="api-credit-note-pdf"),
    path(
        "invoices/<int:invoice_id>/insurance-settled/",
        InvoiceInsuranceSettledApi.as_view(),
        name="api-invoice-insurance-settled",
    ),
]
