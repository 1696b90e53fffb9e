"""One DRF exception handler: application errors become 4xx JSON, never 500s.

Every refusal carries a `detail` string (the schema's Error component requires it) and a stable `code` (the
detail follows the client's language, the code never changes); a refusal caused by inputs also names each input
at fault with its messages, as DRF's field errors do.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
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
    code = serializers.CharField(
        help_text="A stable name of the refusal: the detail may be translated, the code never changes "
        "(invalid, not_authenticated, authentication_failed, permission_denied, not_found, method_not_allowed, "
        "unsupported_media_type, invalid_transition, conflict, idempotency_key_reused, duplicate_external_reference, "
        "invalid_cursor, …)."
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message, **exc.extra}
        if exc.field:
            body[exc.field] = [exc.message]
        body["code"] = exc.code or exc.default_code
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "message_dict") else exc.messages
        body = _with_detail(messages)
        return Response({**body, "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _with_detail(response.data)
    if response is not None and isinstance(response.data, dict):
        response.data["code"] = _code_of(exc)
    return response


def _code_of(exc: Exception) -> str:
    """DRF's code of the refusal; Django's 404 and 403, which DRF answers the same way, by DRF's names."""
    if isinstance(exc, Http404):
        return str(exceptions.NotFound.default_code)
    if isinstance(exc, DjangoPermissionDenied):
        return str(exceptions.PermissionDenied.default_code)
    return str(getattr(exc, "default_code", "error"))


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
    return JsonResponse(
        {"detail": str(exceptions.NotFound.default_detail), "code": exceptions.NotFound.default_code},
        status=status.HTTP_404_NOT_FOUND,
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler (`handler400`): JSON under /api/, and a body over the size limit answers 413.

    Django reads a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE as a SuspiciousOperation and answers with the
    400 page, wherever the body was read: an API client got HTML, with a status that hid why.
    """
    too_big = isinstance(exception, RequestDataTooBig)
    if too_big:
        message = _("The request body is too large: at most %(size)s bytes are taken.") % {
            "size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
        code: int = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        error_code = "request_too_large"
    else:
        message = str(exceptions.ParseError.default_detail)
        code = status.HTTP_400_BAD_REQUEST
        error_code = exceptions.ParseError.default_code
    if _is_api(request):
        return JsonResponse({"detail": message, "code": error_code}, status=code)
    response = defaults.bad_request(request, exception)
    response.status_code = code
    return response
