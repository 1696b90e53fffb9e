"""The base of the staff API: session or token authentication, staff only, one Django permission per
operation, the request's user named as the actor of audit entries, and strict input fields for JSON."""

from typing import Any, cast

from auditlog.context import auditlog_value
from auditlog.signals import accessed
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api import idempotency
from api.etags import IF_NONE_MATCH_PARAMETER, conditional_response
from api.models import IdempotencyRecord
from api.strict_input import input_refusal_check
from api.throttling import ApiRateThrottle, rate_limit_headers
from clinic_billing.api_errors import ErrorOutputSerializer
from clinic_billing.roles import is_staff_member
from invoices.money import DECIMAL_PLACES, MAX_DIGITS, PLAIN_DECIMAL

# Ids are 64-bit (BigAutoField); a larger number in a list lookup would overflow the database driver.
MAX_ID = 2**63 - 1
REFUSED = {400: ErrorOutputSerializer, 403: ErrorOutputSerializer, 404: ErrorOutputSerializer}
CONFLICT = {409: ErrorOutputSerializer}
PAGINATION_CLASS = cast(type[BasePagination], api_settings.DEFAULT_PAGINATION_CLASS)


class StaffPermission(BasePermission):
    """Staff (a member of a role group, or a superuser) holding the view's `required_permission`."""

    message = "Only staff of the billing office with the right role may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        # One URL may hold operations of different permissions (GET and PATCH of a patient).
        required = getattr(view, "method_permissions", {}).get(request.method, view.required_permission)  # type: ignore[attr-defined]
        return bool(user and user.is_authenticated and is_staff_member(user) and user.has_perm(required))


def _attribute_audit_to(user: Any) -> None:
    """Name the API user as the actor of audit entries written during this request.

    auditlog's middleware runs before DRF authenticates, so a token-authenticated request would
    otherwise leave every audit entry (reads included) without an actor.
    """
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if context.get("actor") is None:
        context["actor"] = user


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=idempotency.IDEMPOTENCY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Recommended on every POST: a unique key per change (at most 100 characters, kept 24 hours). Sending "
        "the same key and request again answers the first response with the header `Idempotent-Replayed: true` "
        "without doing anything twice; the same key with another request is refused with 409 "
        "(code `idempotency_key_reused`). A refused request keeps no key, so it can be retried corrected."
    ),
)


class StaffApiSchema(AutoSchema):
    """What StaffApi does beyond each view, in the schema: the `Idempotency-Key` header on every POST, the
    refusals every operation may answer (401, 403, 429; 404 with a path id; 400 and 415 with a body), the
    RateLimit headers on every answer, and the ETag / If-None-Match / 304 of a single record's GET."""

    def get_tags(self) -> list[str]:
        # One tag per resource, the path's first segment after /api/v1/ (patients, invoices, complaints, …).
        segments = [segment for segment in self.path.split("/") if segment]
        return [segments[2]] if len(segments) > 2 and segments[:2] == ["api", "v1"] else super().get_tags()

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        error = {"application/json": {"schema": self.resolve_serializer(ErrorOutputSerializer, "response").ref}}
        for code, description in self._refusals(operation).items():
            responses.setdefault(code, {"description": description, "content": error})
        rate_headers = {
            name: {"schema": {"type": "string"}, "description": text} for name, text in RATE_HEADERS.items()
        }
        for code, response in responses.items():
            response.setdefault("headers", {}).update(rate_headers)
            if code == "429":
                response["headers"]["Retry-After"] = {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before the next request.",
                }
        if getattr(self.view, "etag", False) and self.method == "GET":
            responses["200"].setdefault("headers", {})["ETag"] = {
                "schema": {"type": "string"},
                "description": "A weak validator of this answer: send it back as If-None-Match.",
            }
            responses["304"] = {"description": "Not modified: the answer is the one the If-None-Match names."}
        return operation

    def _refusals(self, operation: dict[str, Any]) -> dict[str, str]:
        """The refusals every operation of this kind may answer, each with the code of the Error body."""
        refusals = {
            "401": "No token, or one that is not valid (header WWW-Authenticate: Token).",
            "403": "The token's user may not do this (code permission_denied).",
            "429": "Too many requests (code throttled): wait Retry-After seconds.",
        }
        if "{" in self.path:
            refusals["404"] = "No such record (code not_found)."
        if "requestBody" in operation:
            refusals["400"] = "An input is refused: the field names which (codes invalid, unknown_field, …)."
            refusals["415"] = "The body is of a type the operation does not take (code unsupported_media_type)."
        return refusals

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        if self.method == "GET" and getattr(self.view, "etag", False):
            parameters.append(IF_NONE_MATCH_PARAMETER)
        return parameters


RATE_HEADERS = {
    "RateLimit": 'What is left of the rate limit: `"api";r=<requests left>;t=<seconds until one more>`.',
    "RateLimit-Policy": 'The rate limit: `"api";q=<requests>;w=<window in seconds>`.',
}


class StaffApi(APIView):
    """Base of the staff API: session or token auth, staff only, one Django permission per operation.

    Every POST takes an `Idempotency-Key` (api/idempotency.py): the view's work and the key's record commit
    in one transaction, and a retry is answered here, before the view runs again.
    """

    permission_classes = [StaffPermission]
    throttle_classes = [ApiRateThrottle]
    schema = StaffApiSchema()
    required_permission: str = ""
    # Another permission for some methods of the URL than `required_permission` (e.g. {"PATCH": "…change…"}).
    method_permissions: dict[str, str] = {}
    # A GET of one record: answered with a weak ETag, and 304 when the client's If-None-Match names it.
    etag = False
    # The body of a write operation, read by `input_data`; each such view declares its own.
    InputSerializer: type[serializers.Serializer]
    idempotency_record: IdempotencyRecord | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and request.headers.get(idempotency.IDEMPOTENCY_HEADER, "").strip():
            # The claim of the key, the change and the stored answer commit together, or not at all.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_authenticate_header(self, request: Request) -> str:
        # A missing or refused token answers 401 with the scheme to use, not the 403 that session
        # authentication (listed first) would leave.
        return "Token"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _attribute_audit_to(request.user)
        if request.method == "POST":
            self._claim_idempotency_key(request)

    def _claim_idempotency_key(self, request: Request) -> None:
        key = idempotency.idempotency_key_clean(request.headers.get(idempotency.IDEMPOTENCY_HEADER))
        if key is None:
            return
        fingerprint = idempotency.request_fingerprint(method="POST", path=request.path, body=request.data)
        self.idempotency_record = idempotency.idempotency_claim(
            user=staff_member(request), key=key, fingerprint=fingerprint
        )

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, idempotency.IdempotentReplay):
            return Response(
                exc.record.response_body,
                status=exc.record.response_status,
                headers={idempotency.REPLAYED_HEADER: "true"},
            )
        return super().handle_exception(exc)

    def get_throttles(self) -> list[Any]:
        # Kept for finalize_response, which announces what is left of the limit.
        self.throttles_checked = super().get_throttles()
        return self.throttles_checked

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        record, self.idempotency_record = self.idempotency_record, None
        if record is not None:
            idempotency.idempotency_complete(
                record=record, status=response.status_code, body=getattr(response, "data", None)
            )
        if self.etag and request.method == "GET":
            response = conditional_response(request, response)
        for name, value in rate_limit_headers(getattr(self, "throttles_checked", [])).items():
            response[name] = value
        return super().finalize_response(request, response, *args, **kwargs)

    def input_data(self, request: Request) -> dict[str, Any]:
        """The body read through the view's `InputSerializer`; invalid input answers 400 with each field's
        message (the exception handler), before anything is written. A field the operation does not take, and a
        JSON number for an amount, are refused first (api/strict_input.py)."""
        serializer = self.InputSerializer(data=request.data)
        input_refusal_check(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        return cast(dict[str, Any], serializer.validated_data)


def staff_member(request: Request) -> User:
    """The user behind a request that passed `StaffPermission` (so never anonymous)."""
    return cast(User, request.user)


def query_filters(request: Request) -> dict[str, str]:
    """The query string as a plain dict for a filter serializer: DRF reads an empty `?status=` from a
    QueryDict as "not given", so an empty filter would silently list everything instead of being refused."""
    return request.query_params.dict()


class TextField(serializers.CharField):
    """Text input only: DRF's CharField also takes a number as its digits, which in JSON is a mistake."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false` only: DRF's field also takes 0, "no" or "off", which in JSON is a mistake."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


def log_read(instance: Any) -> None:
    """Record in the audit log that the current user read this record."""
    accessed.send(sender=type(instance), instance=instance)


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class DecimalStringField(serializers.DecimalField):
    """A decimal as a JSON string of ASCII digits ("120.00"): DRF's field also takes JSON floats (already
    rounded in binary), "1_000", "1e3" and other scripts' digits ("١٢٣"), none of which an amount should be."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not PLAIN_DECIMAL.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """Money as a decimal string with two decimals; an input with more decimals is a field error."""
    return DecimalStringField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)
