from django.urls import path

from frontdesk.views import billing, invoices, patients, promises, proxies

app_name = "frontdesk"

urlpatterns = [
    path("", invoices.worklist, name="home"),
    path("patients/search/", patients.search, name="patient-search"),
    path("patients/new/", patients.patient_new, name="patient-new"),
    path("patients/<int:patient_id>/", patients.account, name="patient-detail"),
    path("patients/<int:patient_id>/caller/", patients.caller_identify, name="patient-caller"),
    path("patients/<int:patient_id>/caller/end/", patients.caller_forget, name="patient-caller-end"),
    path("patients/<int:patient_id>/notes/", patients.note_add, name="patient-note-add"),
    path("patients/<int:patient_id>/coverage/", patients.coverage_add, name="patient-coverage-add"),
    path("patients/<int:patient_id>/invoices/new/", billing.invoice_new, name="patient-invoice-new"),
    path(
        "patients/<int:patient_id>/invoices/quick/<slug:service>/", billing.quick_invoice, name="patient-quick-invoice"
    ),
    path("patients/<int:patient_id>/promises/new/", promises.promise_new, name="patient-promise-new"),
    path(
        "patients/<int:patient_id>/promises/<int:promise_id>/withdraw/",
        promises.promise_withdraw,
        name="patient-promise-withdraw",
    ),
    path("patients/<int:patient_id>/proxies/new/", proxies.proxy_new, name="patient-proxy-new"),
    path("patients/<int:patient_id>/proxies/<int:proxy_id>/revoke/", proxies.proxy_revoke, name="patient-proxy-revoke"),
    path(
        "patients/<int:patient_id>/proxies/<int:proxy_id>/document/",
        proxies.proxy_document,
        name="patient-proxy-document",
    ),
    path("patients/<int:patient_id>/contact/", patients.contact_edit, name="patient-contact-edit"),
    path(
        "patients/<int:patient_id>/contact-changes/<int:change_id>/confirm/",
        patients.contact_change_confirm,
        name="patient-contact-change-confirm",
    ),
    path("invoices/<int:invoice_id>/", invoices.detail, name="invoice-detail"),
    path("invoices/<int:invoice_id>/payment/", invoices.payment, name="invoice-payment"),
]
