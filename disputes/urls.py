from django.urls import path

from . import views

app_name = "disputes"

urlpatterns = [
    path("", views.complaint_list, name="complaint-list"),
    path("new/", views.complaint_new, name="complaint-new"),
    path("new/lines/", views.invoice_lines, name="complaint-invoice-lines"),
    path("approvals/", views.adjustment_queue, name="adjustment-queue"),
    path("approvals/<int:adjustment_id>/approve/", views.adjustment_approve, name="adjustment-approve"),
    path("approvals/<int:adjustment_id>/reject/", views.adjustment_reject, name="adjustment-reject"),
    path("<int:complaint_id>/", views.complaint_detail, name="complaint-detail"),
    path("<int:complaint_id>/met/", views.complaint_met, name="complaint-met"),
    path("<int:complaint_id>/accept-proposal/", views.complaint_accept, name="complaint-accept-proposal"),
    path("<int:complaint_id>/close/", views.complaint_close, name="complaint-close"),
    path("<int:complaint_id>/letter/", views.complaint_letter, name="complaint-letter"),
]
