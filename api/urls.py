from api import adjustments, collections, complaints, invoices, patients

urlpatterns = (
    patients.urlpatterns
    + invoices.urlpatterns
    + complaints.urlpatterns
    + adjustments.urlpatterns
    + collections.urlpatterns
)
