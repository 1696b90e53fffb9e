"""Weak ETags on the GET of one record, and 304 Not Modified for a client that already holds the answer.

The validator is a hash of the answer itself, not of the record's `updated_at`: a patient's balance, an
invoice's open complaint and its collection state live in other records, so a timestamp of the record alone
would answer 304 for a balance that has changed. It is weak (`W/"…"`): equal answers are equivalent, not
byte-identical (the body's rendering may differ, e.g. its language). The read is still audited: a 304 tells the
client the record it holds is the current one.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

IF_NONE_MATCH_PARAMETER = OpenApiParameter(
    name="If-None-Match",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the answer you hold: 304 with no body when it is still the current one.",
)


def weak_etag(data: object) -> str:
    """`W/"<hash>"` of the answer's data in canonical JSON."""
    canonical = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return f'W/"{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"'


def _matches(header: str, etag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" and "x" name the same answer.
    wanted = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


def conditional_response(request: Request, response: Response) -> Response:
    """The 200 of a GET with its ETag, or a 304 (same ETag, no body) when If-None-Match names it."""
    if response.status_code != status.HTTP_200_OK or not isinstance(getattr(response, "data", None), dict):
        return response
    etag = weak_etag(response.data)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    response["ETag"] = etag
    return response
