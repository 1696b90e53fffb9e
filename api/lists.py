"""The lists an integration syncs with (issue 19, item 3): patients, invoices, complaints, payments and reminders, each
filtered, in cursor pages (api/pagination.py), with every record shown audited as read.

Each list answers in a fixed number of queries per page, whatever the page size: the rows, their prefetched
details, the values computed for the whole page at once (balances, open complaints, collection states) and
one insert of the audit rows. The collection URLs also take the POST that creates a record (the views of
api/patients.py, api/invoices.py and api/complaints.py), so one URL holds two operations with two
permissions.
"""

from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import REFUSED, StaffApi, id_field, query_filters
from api.collections import ReminderListApi
from api.complaints import ComplaintCreateApi, ComplaintOutputSerializer
from api.invoices import InvoiceCreateApi, InvoiceDetailApi, PaymentCreateApi, payment_body
from api.pagination import PageQuerySerializer, keyset_page, page_serializer
from api.patients import PatientCreateApi, PatientDetailApi
from clinic_billing.audited import log_bulk_reads
from disputes import permissions as dispute_permissions
from disputes.models import AdjustmentRequest, Complaint
from disputes.selectors import complaints_changed, open_complaints_for_invoices
from invoices.models import Invoice
from invoices.selectors import invoices_matching, patient_balances, payments_posted
from patient_collections.collection_state import collection_states
from patient_collections.selectors import reminders_changed
from patients.selectors import patients_matching


class ListCreateApi(StaffApi):
    """One collection URL, two operations: reading the list and creating a record are separate permissions."""

    list_permission: str = ""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method != "POST":
            self.required_permission = self.list_permission
        super().initial(request, *args, **kwargs)


def filters_of(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    filters = serializer_class(data=query_filters(request))
    filters.is_valid(raise_exception=True)
    return dict(filters.validated_data)


UPDATED_SINCE_HELP = "Only records changed at or after this moment (ISO 8601 with a time zone)."
EXTERNAL_SOURCE_HELP = "With external_reference: the system whose id it is (empty for the default one)."


class PatientListCreateApi(ListCreateApi, PatientCreateApi):
    """GET: patients, least recently changed first, in cursor pages; POST: register a patient."""

    list_permission = "patients.view_patient"

    class FilterSerializer(PageQuerySerializer):
        external_reference = serializers.CharField(required=False, help_text="The source system's id.")
        external_source = serializers.CharField(required=False, allow_blank=True, help_text=EXTERNAL_SOURCE_HELP)
        date_of_birth = serializers.DateField(required=False)
        name = serializers.CharField(required=False, help_text="A part of the name, in any case.")
        updated_since = serializers.DateTimeField(required=False, help_text=UPDATED_SINCE_HELP)

    @extend_schema(
        operation_id="patient_list",
        parameters=[FilterSerializer],
        responses={200: page_serializer("PatientPage", PatientDetailApi.OutputSerializer), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = filters_of(self.FilterSerializer, request)
        limit, cursor = filters.pop("limit"), filters.pop("cursor", None)
        page = keyset_page(patients_matching(**filters), order_by="updated_at", limit=limit, cursor=cursor)
        balances = patient_balances(patient_ids=[patient.pk for patient in page.rows])
        for patient in page.rows:
            patient.balance = balances[patient.pk]
        log_bulk_reads(page.rows)
        results = PatientDetailApi.OutputSerializer(page.rows, many=True).data
        return Response({"results": results, "next_cursor": page.next_cursor})


class InvoiceListCreateApi(ListCreateApi, InvoiceCreateApi):
    """GET: invoices, least recently changed first, in cursor pages, as the invoice is shown one by one;
    POST: create a draft."""

    list_permission = "invoices.view_invoice"

    class FilterSerializer(PageQuerySerializer):
        patient = id_field(required=False)
        status = serializers.ChoiceField(choices=Invoice.Status.choices, required=False)
        updated_since = serializers.DateTimeField(required=False, help_text=UPDATED_SINCE_HELP)
        external_reference = serializers.CharField(required=False, help_text="The source system's id.")
        external_source = serializers.CharField(required=False, allow_blank=True, help_text=EXTERNAL_SOURCE_HELP)

    @extend_schema(
        operation_id="invoice_list",
        parameters=[FilterSerializer],
        responses={200: page_serializer("InvoicePage", InvoiceDetailApi.OutputSerializer), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = filters_of(self.FilterSerializer, request)
        limit, cursor = filters.pop("limit"), filters.pop("cursor", None)
        invoices = invoices_matching(
            patient_id=filters.get("patient"),
            status=filters.get("status"),
            updated_since=filters.get("updated_since"),
            external_source=filters.get("external_source"),
            external_reference=filters.get("external_reference"),
        )
        page = keyset_page(invoices, order_by="updated_at", limit=limit, cursor=cursor)
        ids = [invoice.pk for invoice in page.rows]
        open_complaints = open_complaints_for_invoices(invoice_ids=ids)
        states = collection_states(invoice_ids=ids, today=timezone.localdate())
        for invoice in page.rows:
            invoice.open_complaint = open_complaints.get(invoice.pk)
            invoice.collection = states[invoice.pk]
        log_bulk_reads(page.rows)
        results = InvoiceDetailApi.OutputSerializer(page.rows, many=True).data
        return Response({"results": results, "next_cursor": page.next_cursor})


class ComplaintListCreateApi(ListCreateApi, ComplaintCreateApi):
    """GET: complaints, least recently changed first (received, met, escalated, closed or a status change), in
    cursor pages, as a complaint is shown one by one; POST: file a complaint."""

    list_permission = "disputes.view_complaint"

    class FilterSerializer(PageQuerySerializer):
        patient = id_field(required=False)
        status = serializers.ChoiceField(choices=Complaint.Status.choices, required=False)
        updated_since = serializers.DateTimeField(required=False, help_text=UPDATED_SINCE_HELP)

    @extend_schema(
        operation_id="complaint_list",
        parameters=[FilterSerializer],
        responses={200: page_serializer("ComplaintPage", ComplaintOutputSerializer), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = filters_of(self.FilterSerializer, request)
        complaints = complaints_changed(
            patient_id=filters.get("patient"), status=filters.get("status"), updated_since=filters.get("updated_since")
        )
        page = keyset_page(complaints, order_by="changed_at", limit=filters["limit"], cursor=filters.get("cursor"))
        pending = any(
            adjustment.status == AdjustmentRequest.Status.PENDING
            for complaint in page.rows
            for adjustment in complaint.adjustments.all()
        )
        # Read once for the page (two queries), only when an adjustment waits for a decision.
        context = {
            "request": request,
            "approval_settings": dispute_permissions.approval_settings() if pending else None,
        }
        log_bulk_reads(page.rows)
        results = ComplaintOutputSerializer(page.rows, many=True, context=context).data
        return Response({"results": results, "next_cursor": page.next_cursor})


class PaymentListApi(StaffApi):
    """Payments from patients and insurers on every invoice, however they were recorded (API, desk, bank file,
    online), oldest first, in cursor pages."""

    required_permission = "invoices.view_invoice"

    class FilterSerializer(PageQuerySerializer):
        updated_since = serializers.DateTimeField(
            required=False, help_text="Only payments posted at or after this moment (ISO 8601 with a time zone)."
        )

    @extend_schema(
        operation_id="payment_list",
        parameters=[FilterSerializer],
        responses={200: page_serializer("PaymentPage", PaymentCreateApi.OutputSerializer), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = filters_of(self.FilterSerializer, request)
        payments = payments_posted(since=filters.get("updated_since"))
        page = keyset_page(payments, order_by="posted_at", limit=filters["limit"], cursor=filters.get("cursor"))
        log_bulk_reads(entry.invoice for entry in page.rows)
        results = PaymentCreateApi.OutputSerializer([payment_body(entry) for entry in page.rows], many=True).data
        return Response({"results": results, "next_cursor": page.next_cursor})


class ReminderSyncApi(StaffApi):
    """The reminders of every invoice, queued, sent or skipped, least recently changed first (when sent, else
    when queued), in cursor pages: one call a night instead of one per invoice (`/reminders/?invoice=` stays
    as it was)."""

    required_permission = "patient_collections.view_reminder"

    class FilterSerializer(PageQuerySerializer):
        since = serializers.DateTimeField(
            required=False,
            help_text="Only reminders sent, or queued, at or after this moment (ISO 8601 with a time zone).",
        )

    @extend_schema(
        operation_id="reminder_sync_list",
        parameters=[FilterSerializer],
        responses={200: page_serializer("ReminderPage", ReminderListApi.OutputSerializer), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = filters_of(self.FilterSerializer, request)
        reminders = reminders_changed(since=filters.get("since")).select_related("invoice")
        page = keyset_page(reminders, order_by="changed_at", limit=filters["limit"], cursor=filters.get("cursor"))
        log_bulk_reads(reminder.invoice for reminder in page.rows)
        results = ReminderListApi.OutputSerializer(page.rows, many=True, context={"request": request}).data
        return Response({"results": results, "next_cursor": page.next_cursor})


urlpatterns = [
    path("patients/", PatientListCreateApi.as_view(), name="api-patient-list"),
    path("invoices/", InvoiceListCreateApi.as_view(), name="api-invoice-list"),
    path("complaints/", ComplaintListCreateApi.as_view(), name="api-complaint-list"),
    path("payments/", PaymentListApi.as_view(), name="api-payment-list"),
    path("reminders/sync/", ReminderSyncApi.as_view(), name="api-reminder-sync"),
]
