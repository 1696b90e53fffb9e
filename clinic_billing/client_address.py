"""Where a request comes from, told one way for the lockout and the audit log.

django-axes locks addresses out through django-ipware, trusting `X-Forwarded-For` only as far as
`AXES_TRUSTED_PROXY_COUNT` proxies write it (settings). django-auditlog on its own stores the header's first
entry, which the client writes: anyone could sign their reads with another address, and a value that is no
address (`unknown`) made every audited request fail on PostgreSQL, whose column is `inet`. The audit log
takes the address from the same source as the lockout, and stores nothing rather than a value that is no
address.
"""

import ipaddress

from auditlog.middleware import AuditlogMiddleware
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest

_HIGHEST_PORT = 65535


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as the lockout sees it, or None when the request names no valid address."""
    address = get_client_ip_address(request)
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_port(request: HttpRequest) -> int | None:
    """The client's port as a trusted proxy reports it; None without trusted proxies or for a value no port is.

    `X-Forwarded-Port` is as forgeable as `X-Forwarded-For`, and a number beyond the column's range would fail
    the audited request on PostgreSQL.
    """
    if not settings.AXES_IPWARE_PROXY_COUNT:
        return None
    value = request.headers.get("X-Forwarded-Port", "").strip()
    if not value.isdigit() or not value.isascii():
        return None
    port = int(value)
    return port if 0 < port <= _HIGHEST_PORT else None


class ClientAddressAuditlogMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, with the address and port of `client_address` and `client_port`."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return client_port(request)
