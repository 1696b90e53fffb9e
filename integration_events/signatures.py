"""The signature of a webhook delivery, as Stripe signs its own: pure functions, no database.

Header: `Clinic-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>`.
Signing the timestamp with the body lets a receiver refuse an old request replayed by whoever recorded it;
the receiver compares in constant time. docs/api.md shows a receiver's check in a few lines.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "Clinic-Signature"
SCHEME = "v1"
# A receiver refuses a request signed longer ago than this (seconds), in either direction of clock drift.
DEFAULT_TOLERANCE = 300


def signature_compute(*, payload: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<payload>" under `secret`."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, payload: bytes, secret: str, timestamp: int) -> str:
    """The value of the Clinic-Signature header for `payload` sent at `timestamp`."""
    return f"t={timestamp},{SCHEME}={signature_compute(payload=payload, secret=secret, timestamp=timestamp)}"


def signature_verify(*, payload: bytes, header: str, secret: str, now: int, tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """Whether `header` signs exactly `payload` with `secret`, at a time within `tolerance` seconds of `now`.

    Any `v1` signature in the header may match (several are sent while a secret is being rotated); a header
    that cannot be read, a timestamp too old or in the future, or a wrong signature answers False.
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None or not signatures or abs(now - timestamp) > tolerance:
        return False
    expected = signature_compute(payload=payload, secret=secret, timestamp=timestamp)
    return any(hmac.compare_digest(expected, signature) for signature in signatures)
