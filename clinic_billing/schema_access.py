"""Who may read the API's OpenAPI schema and its interactive docs (`/api/schema/`, `/api/docs/`).

The schema maps every operation and field of the billing API: useful to an integrator, and a map for an
attacker. In production (`API_SCHEMA_PUBLIC` off, the default when DEBUG is off) only staff read it, signed
in (session past the second step) or by API token; in development it stays open.
"""

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from clinic_billing.roles import is_staff_member


class SchemaAccess(BasePermission):
    """Anyone while `API_SCHEMA_PUBLIC` is on; otherwise staff members only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(settings.API_SCHEMA_PUBLIC) or is_staff_member(request.user)
