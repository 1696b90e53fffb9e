from django.urls import path

from . import audit_views as views

app_name = "compliance"

urlpatterns = [
    path("", views.audit_log, name="audit-log"),
    path("audit-log.csv", views.audit_log_csv, name="audit-log-csv"),
]
