"""Bank files over the API: a practice or accounting system hands over the bank's file and reads the report."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from payments_in import services
from payments_in.models import BankFile

from .base import REFUSED, StaffApi, staff_member

IMPORT = "payments_in.import_bank_file"


class BankFileReportSerializer(serializers.ModelSerializer[BankFile]):
    class Meta:
        model = BankFile
        fields = [
            "id",
            "filename",
            "format",
            "sender_file_id",
            "source",
            "status",
            "refusal_reason",
            "refusal_line",
            "imported_at",
            "transaction_count",
            "transaction_sum",
            "posted_count",
            "posted_sum",
            "queued_count",
            "queued_sum",
            "duplicate_count",
            "duplicate_sum",
        ]
        read_only_fields = fields


def report(bank_file: BankFile) -> dict[str, Any]:
    return dict(BankFileReportSerializer(bank_file).data)


class BankFileImportApi(StaffApi):
    """Import a bank file (Nets OCR Giro, ISO 20022 camt.053/camt.054, X12 835) sent as `multipart/form-data`.

    Each payment is matched by its payment reference and posted once under the bank's transaction id: sending
    the same file again, or a file that overlaps one already sent, posts nothing twice (the report counts them
    as duplicates). A file that does not parse is refused whole: 422 with the line and the reason, and its
    record, so nothing of it is imported.
    """

    required_permission = IMPORT
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer[Any]):
        file = serializers.FileField()

    @extend_schema(
        operation_id="bank_file_import",
        request={"multipart/form-data": InputSerializer},
        responses={201: BankFileReportSerializer, 422: BankFileReportSerializer, **REFUSED},
    )
    def post(self, request: Request) -> Response:
        upload = self.input_data(request)["file"]
        bank_file = services.bank_file_import(
            content=upload.read(), filename=upload.name, source=BankFile.Source.API, by=staff_member(request)
        )
        status = 422 if bank_file.status == BankFile.Status.REFUSED else 201
        return Response(report(bank_file), status=status)


class BankFileDetailApi(StaffApi):
    """The import report of a bank file: counts and sums of what was posted, queued and already imported."""

    required_permission = IMPORT

    @extend_schema(operation_id="bank_file_retrieve", responses={200: BankFileReportSerializer, **REFUSED})
    def get(self, request: Request, bank_file_id: int) -> Response:
        return Response(report(get_object_or_404(BankFile, pk=bank_file_id)))


urlpatterns = [
    path("bank-files/", BankFileImportApi.as_view(), name="api-bank-file-import"),
    path("bank-files/<int:bank_file_id>/", BankFileDetailApi.as_view(), name="api-bank-file-detail"),
]
