"""The admin site: staff flag and permissions as usual, and a session verified by a second factor.

The enforcement middleware already sends an unverified staff member away from /admin/; this is the second
wall, so that the admin stays closed if the middleware is ever taken out of MIDDLEWARE.
"""

from django.contrib.admin import AdminSite
from django.http import HttpRequest

from .services import session_verified


class TwoFactorAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and session_verified(request)
