from django.urls import path

from .views import aging, arrangements, calls, cases, reminders, schedule

app_name = "collections"

urlpatterns = [
    path("calls/", calls.call_list, name="call-list"),
    path("calls/<int:call_id>/outcome/", calls.call_outcome, name="call-outcome"),
    path("calls/<int:call_id>/write-instead/", calls.call_write_instead, name="call-write-instead"),
    path("calls/<int:call_id>/note/", calls.call_request_note, name="call-request-note"),
    path("invoices/<int:invoice_id>/payment-plan/", arrangements.payment_plan_new, name="invoice-payment-plan"),
    path("invoices/<int:invoice_id>/deferral/", arrangements.deferral_new, name="invoice-deferral"),
    path("reminders/<int:reminder_id>/letter.pdf", reminders.reminder_letter, name="reminder-letter"),
    path("reminders/<int:reminder_id>/confirm-sent/", reminders.reminder_confirm_sent, name="reminder-confirm-sent"),
    path("reminders/<int:reminder_id>/resend/", reminders.reminder_resend, name="reminder-resend"),
    path("schedule/", schedule.schedule_detail, name="schedule-detail"),
    path("schedule/edit/", schedule.schedule_edit, name="schedule-edit"),
    path("cases/", cases.case_list, name="case-list"),
    path("cases/agency.csv", cases.case_agency_export, name="case-agency-export"),
    path("cases/<int:case_id>/", cases.case_detail, name="case-detail"),
    path("cases/<int:case_id>/decide/", cases.case_decide, name="case-decide"),
    path(
        "cases/<int:case_id>/conciliation-notice.pdf", cases.case_conciliation_notice, name="case-conciliation-notice"
    ),
    path(
        "cases/<int:case_id>/conciliation-notice/sent/",
        cases.case_conciliation_notice_sent,
        name="case-conciliation-notice-sent",
    ),
    path("cases/<int:case_id>/summary.pdf", cases.case_summary, name="case-summary"),
    path("print/", reminders.print_batch, name="print-batch"),
    path("print/letters.pdf", reminders.print_batch_pdf, name="print-batch-pdf"),
    path("print/record/", reminders.print_batch_record, name="print-batch-record"),
    path("aging/", aging.aging_report, name="aging-report"),
    path("aging/aging.csv", aging.aging_report_csv, name="aging-report-csv"),
]
