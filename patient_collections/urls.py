from django.urls import path

from . import views

urlpatterns = [
    path("calls/", views.call_list, name="call-list"),
    path("calls/<int:call_id>/outcome/", views.call_outcome, name="call-outcome"),
    path("invoices/<int:invoice_id>/payment-plan/", views.payment_plan_new, name="invoice-payment-plan"),
    path("invoices/<int:invoice_id>/deferral/", views.deferral_new, name="invoice-deferral"),
    path("reminders/<int:reminder_id>/letter.pdf", views.reminder_letter, name="reminder-letter"),
    path("reminders/<int:reminder_id>/confirm-sent/", views.reminder_confirm_sent, name="reminder-confirm-sent"),
    path("reminders/<int:reminder_id>/resend/", views.reminder_resend, name="reminder-resend"),
    path("schedule/", views.schedule_detail, name="schedule-detail"),
    path("schedule/edit/", views.schedule_edit, name="schedule-edit"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/agency.csv", views.case_agency_export, name="case-agency-export"),
    path("cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("cases/<int:case_id>/decide/", views.case_decide, name="case-decide"),
    path(
        "cases/<int:case_id>/conciliation-notice.pdf", views.case_conciliation_notice, name="case-conciliation-notice"
    ),
    path(
        "cases/<int:case_id>/conciliation-notice/sent/",
        views.case_conciliation_notice_sent,
        name="case-conciliation-notice-sent",
    ),
    path("cases/<int:case_id>/summary.pdf", views.case_summary, name="case-summary"),
    path("print/", views.print_batch, name="print-batch"),
    path("print/letters.pdf", views.print_batch_pdf, name="print-batch-pdf"),
    path("print/record/", views.print_batch_record, name="print-batch-record"),
    path("aging/", views.aging_report, name="aging-report"),
    path("aging/aging.csv", views.aging_report_csv, name="aging-report-csv"),
]
