"""The API's rate limit, announced on every answer as the IETF httpapi draft asks (draft-ietf-httpapi-ratelimit-
headers-08): `RateLimit-Policy: "api";q=600;w=60` (the quota per window of seconds) and `RateLimit: "api";r=42;t=17`
(requests left, seconds until the window frees one). A request over the limit answers 429 with `Retry-After`
(DRF's Throttled, through the one exception handler, code `throttled`).

Counted per API user (per address for a request without one) in Django's cache, with DRF's sliding window.
"""

import math
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

POLICY_NAME = "api"
RATE_LIMIT_HEADER = "RateLimit"
RATE_LIMIT_POLICY_HEADER = "RateLimit-Policy"


class ApiRateThrottle(UserRateThrottle):
    """DRF's per-user sliding window under the `api` rate (setting API_RATE_LIMIT_PER_MINUTE), which also says
    what is left of it for the headers."""

    scope = POLICY_NAME
    # Set by DRF from the rate (parse_rate); declared for the type checker.
    num_requests: int
    duration: int

    def allow_request(self, request: Request, view: APIView) -> bool:
        # Kept so the headers can be written after the view ran; DRF sets them only on the way in.
        self.history: list[float] = []
        return super().allow_request(request, view)

    def headers(self) -> dict[str, str]:
        """The RateLimit and RateLimit-Policy headers for the request just counted (or refused)."""
        if self.rate is None or not hasattr(self, "now"):
            return {}
        limit, window = self.num_requests, self.duration
        remaining = max(0, limit - len(self.history))
        # The oldest request still in the window leaves it first; then one more request is allowed.
        reset = math.ceil(self.history[-1] + window - self.now) if self.history else window
        return {
            RATE_LIMIT_POLICY_HEADER: f'"{POLICY_NAME}";q={limit};w={window}',
            RATE_LIMIT_HEADER: f'"{POLICY_NAME}";r={remaining};t={max(0, reset)}',
        }


def rate_limit_headers(throttles: list[Any]) -> dict[str, str]:
    """The headers of the request's throttles (the API has one)."""
    headers: dict[str, str] = {}
    for throttle in throttles:
        if isinstance(throttle, ApiRateThrottle):
            headers.update(throttle.headers())
    return headers
