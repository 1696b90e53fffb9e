from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinic_billing.api_errors import api_not_found
from mfa.views import StaffLoginView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("api.urls")),
    # JSON, not the HTML 404 page, for an API URL that names no operation. Only paths ending in a slash, so a
    # known URL typed without its slash still gets CommonMiddleware's redirect (APPEND_SLASH).
    re_path(r"^api/(?:.*/)?$", api_not_found),
    path("invoices/", include("invoices.urls")),
    path("disputes/manage/", include("disputes.office_urls")),
    path("disputes/", include("disputes.urls")),
    path("collections/", include("patient_collections.urls")),
    path("bank-files/", include("payments_in.urls")),
    path("", include("mfa.urls")),  # /two-factor/… and /portal/two-step/… (before the portal's own URLs)
    path("portal/", include("portal.urls")),
    path("payments/", include("online_payments.urls")),  # webhooks and pay-online links (no sign-in)
    path("audit/", include("compliance.urls")),
    path("staff/catalogue/", include("catalogue.urls")),
    path("", include("session_policy.urls")),  # /account/… (staff) and /portal/account/sign-out-elsewhere/
    path("", include("frontdesk.urls")),
]

# A bad request (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a forged host) answers JSON under /api/.
handler400 = "clinic_billing.api_errors.bad_request"
# Styled pages with the menu of the audience and a way back (JSON under /api/).
handler403 = "clinic_billing.error_pages.permission_denied"
handler404 = "clinic_billing.error_pages.page_not_found"
handler500 = "clinic_billing.error_pages.server_error"
