from api import adjustments, cases, collections, complaints, invoices, patients

urlpatterns = (
    patients.urlpatterns
    + invoices.urlpatterns
    + complaints.urlpatterns
    + adjustments.urlpatterns
    + collections.urlpatterns
    + cases.urlpatterns
)
