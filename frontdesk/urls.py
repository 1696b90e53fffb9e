from django.urls import path

from frontdesk.views import invoices, patients

app_name = "frontdesk"

urlpatterns = [
    path("", invoices.worklist, name="home"),
    path("patients/search/", patients.search, name="patient-search"),
    path("patients/<int:patient_id>/", patients.account, name="patient-detail"),
    path("patients/<int:patient_id>/contact/", patients.contact_edit, name="patient-contact-edit"),
    path(
        "patients/<int:patient_id>/contact-changes/<int:change_id>/confirm/",
        patients.contact_change_confirm,
        name="patient-contact-change-confirm",
    ),
    path("invoices/<int:invoice_id>/", invoices.detail, name="invoice-detail"),
    path("invoices/<int:invoice_id>/payment/", invoices.payment, name="invoice-payment"),
]
