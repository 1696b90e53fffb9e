"""Two-step sign-in for staff (/two-factor/) and for patients (/portal/two-step/)."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from . import views

portal_login_required = login_required(login_url="portal:portal-login")

app_name = "mfa"

urlpatterns = [
    path("two-factor/set-up/", login_required(views.set_up), {"audience": views.STAFF}, name="mfa-setup"),
    path("two-factor/verify/", login_required(views.verify), {"audience": views.STAFF}, name="mfa-verify"),
    path("two-factor/staff/", views.staff_list, name="mfa-staff-list"),
    path("two-factor/staff/<int:user_id>/reset/", views.staff_reset, name="mfa-staff-reset"),
    path("portal/two-step/", views.portal_settings, name="mfa-portal-settings"),
    path(
        "portal/two-step/set-up/",
        portal_login_required(views.set_up),
        {"audience": views.PORTAL},
        name="mfa-portal-setup",
    ),
    path(
        "portal/two-step/verify/",
        portal_login_required(views.verify),
        {"audience": views.PORTAL},
        name="mfa-portal-verify",
    ),
]
