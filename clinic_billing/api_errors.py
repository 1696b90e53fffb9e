"""One DRF exception handler: application errors become 4xx JSON, never 500s.

Every refusal carries a `detail` string (the schema's Error component requires it); a refusal caused by
inputs also names each input at fault with its messages, as DRF's field errors do.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic_billing.exceptions import ApplicationError


class ErrorOutputSerializer(serializers.Serializer):
    """The body of every refusal; a refusal caused by one input also carries `<field>: [message]`."""

    class Meta:
        ref_name = "Error"

    detail = serializers.CharField()


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(_with_detail(exc.message_dict), status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _with_detail(response.data)
    return response


def _with_detail(errors: Any) -> dict[str, Any]:
    """Field errors with the first of their messages as `detail`; a bare list of messages is joined into it."""
    if isinstance(errors, dict):
        if "detail" in errors and isinstance(errors["detail"], str):
            return errors
        return {"detail": _first_message(errors), **errors}
    if isinstance(errors, list):
        return {"detail": " ".join(message for message in map(_first_message, errors) if message)}
    return {"detail": str(errors)}


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        errors = list(errors.values())
    if isinstance(errors, list):
        for item in errors:
            message = _first_message(item)
            if message:
                return message
        return ""
    return str(errors)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """An /api/ URL that names no operation: a JSON 404 like every other refusal of the API (not a page)."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=status.HTTP_404_NOT_FOUND)
