from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("<int:invoice_id>/pdf/", views.pdf, name="invoice-pdf"),
    path("<int:invoice_id>/issue/", views.issue, name="invoice-issue"),
    path("<int:invoice_id>/insurance-settled/", views.insurance_settled, name="invoice-insurance-settled"),
    path("credit-notes/<int:credit_note_id>/pdf/", views.credit_note_pdf, name="credit-note-pdf"),
    path("<int:invoice_id>/apply-credit/", views.credit_apply, name="credit-apply"),
    path("<int:invoice_id>/refund/", views.refund_request, name="refund-request"),
    path("refunds/", views.refund_list, name="refund-list"),
    path("refunds/<int:refund_id>/approve/", views.refund_approve, name="refund-approve"),
    path("refunds/<int:refund_id>/reject/", views.refund_reject, name="refund-reject"),
    path("refunds/export/", views.refund_export, name="refund-export"),
    path("refunds/files/<int:batch_id>/", views.refund_batch_file, name="refund-batch-file"),
    path("patients/<int:patient_id>/statement/", views.patient_statement, name="patient-statement"),
]
