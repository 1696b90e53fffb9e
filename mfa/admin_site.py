"""The admin site: staff flag and permissions as usual, and a session verified by a second factor.

The enforcement middleware already sends an unverified staff member away from /admin/; this is the second
wall, so that the admin stays closed if the middleware is ever taken out of MIDDLEWARE.
"""

from django.contrib.admin import AdminSite
from django.http import HttpRequest


class TwoFactorAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and callable(is_verified) and bool(is_verified())
