from api import adjustments, cases, collections, complaints, invoices, lists, patients

urlpatterns = (
    lists.urlpatterns
    + patients.urlpatterns
    + invoices.urlpatterns
    + complaints.urlpatterns
    + adjustments.urlpatterns
    + collections.urlpatterns
    + cases.urlpatterns
)
