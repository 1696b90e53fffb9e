from django.urls import path

from . import office_views as views

app_name = "office"

urlpatterns = [
    path("policy/", views.policy_detail, name="policy-detail"),
    path("policy/edit/", views.policy_edit, name="policy-edit"),
    path("policy/<int:version>/", views.policy_version, name="policy-version"),
    path("reports/", views.complaint_report, name="complaint-report"),
    path("reports/complaints.csv", views.complaint_report_csv, name="complaint-report-csv"),
]
