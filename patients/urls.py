from django.urls import path

from invoices import views as invoice_views

from . import views

urlpatterns = [
    path("", invoice_views.worklist, name="home"),
    path("patients/search/", views.search, name="patient-search"),
    path("patients/<int:patient_id>/", views.account, name="patient-detail"),
    path("patients/<int:patient_id>/contact/", views.contact_edit, name="patient-contact-edit"),
    path(
        "patients/<int:patient_id>/contact-changes/<int:change_id>/confirm/",
        views.contact_change_confirm,
        name="patient-contact-change-confirm",
    ),
]
