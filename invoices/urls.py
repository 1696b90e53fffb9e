from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("<int:invoice_id>/pdf/", views.pdf, name="invoice-pdf"),
    path("<int:invoice_id>/issue/", views.issue, name="invoice-issue"),
    path("<int:invoice_id>/insurance-settled/", views.insurance_settled, name="invoice-insurance-settled"),
    path("credit-notes/<int:credit_note_id>/pdf/", views.credit_note_pdf, name="credit-note-pdf"),
]
