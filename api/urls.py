from api import (
    adjustments,
    bank_files,
    cases,
    catalogue,
    collections,
    complaints,
    corrections,
    events,
    invoices,
    lists,
    patients,
)

urlpatterns = (
    lists.urlpatterns
    + patients.urlpatterns
    + invoices.urlpatterns
    + corrections.urlpatterns
    + complaints.urlpatterns
    + adjustments.urlpatterns
    + collections.urlpatterns
    + cases.urlpatterns
    + bank_files.urlpatterns
    + events.urlpatterns
    + catalogue.urlpatterns
)
