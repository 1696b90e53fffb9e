"""Bank files over the API: a practice or accounting system hands over the bank's file and reads the report."""

import base64
import binascii
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from clinic_billing.api_parsers import DepthLimitedJSONParser
from payments_in import services
from payments_in.models import BankFile, FileFormat

from .base import REFUSED, StaffApi, staff_member

IMPORT = "payments_in.import_bank_file"


class BankFileReportSerializer(serializers.ModelSerializer[BankFile]):
    status = serializers.ChoiceField(choices=[BankFile.Status.IMPORTED, BankFile.Status.REFUSED], read_only=True)
    # Empty for a file refused before its format was known.
    format = serializers.ChoiceField(choices=FileFormat.choices, allow_blank=True, read_only=True)

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

    Send the file as `multipart/form-data` (field `file`), or, for a small file, as JSON with `filename` and
    `content_base64`. Each payment is matched by its payment reference and posted once under the bank's
    transaction id: sending the same file again, or a file that overlaps one already sent, posts nothing twice
    (the report counts them as duplicates). A file that does not parse is refused whole: 422 with the line and
    the reason, and its record, so nothing of it is imported.
    """

    required_permission = IMPORT
    parser_classes = [MultiPartParser, DepthLimitedJSONParser]

    class InputSerializer(serializers.Serializer[Any]):
        file = serializers.FileField(required=False)
        filename = serializers.CharField(required=False, max_length=255)
        content_base64 = serializers.CharField(required=False, trim_whitespace=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "file" in attrs:
                upload = attrs["file"]
                return {"filename": upload.name, "content": upload.read()}
            if "content_base64" not in attrs:
                raise serializers.ValidationError(
                    {"file": ["Send the bank file as `file` (multipart) or as `content_base64` (JSON)."]}
                )
            try:
                content = base64.b64decode(attrs["content_base64"], validate=True)
            except (binascii.Error, ValueError) as exc:  # ValueError: characters outside ASCII
                raise serializers.ValidationError({"content_base64": ["This is not base64."]}) from exc
            return {"filename": attrs.get("filename", "bank-file"), "content": content}

    @extend_schema(
        operation_id="bank_file_import",
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: BankFileReportSerializer, 422: BankFileReportSerializer, **REFUSED},
    )
    def post(self, request: Request) -> Response:
        data = self.input_data(request)
        bank_file = services.bank_file_import(
            content=data["content"], filename=data["filename"], source=BankFile.Source.API, by=staff_member(request)
        )
        status = 422 if bank_file.status == BankFile.Status.REFUSED else 201
        return Response(report(bank_file), status=status)


class BankFileDetailApi(StaffApi):
    """The import report of a bank file: counts and sums of what was posted, queued and already imported."""

    required_permission = IMPORT
    etag = True

    @extend_schema(operation_id="bank_file_retrieve", responses={200: BankFileReportSerializer, **REFUSED})
    def get(self, request: Request, bank_file_id: int) -> Response:
        return Response(report(get_object_or_404(BankFile, pk=bank_file_id)))


urlpatterns = [
    path("bank-files/", BankFileImportApi.as_view(), name="api-bank-file-import"),
    path("bank-files/<int:bank_file_id>/", BankFileDetailApi.as_view(), name="api-bank-file-detail"),
]
