from api import adjustments, bank_files, cases, catalogue, collections, complaints, invoices, lists, patients

urlpatterns = (
    lists.urlpatterns
    + patients.urlpatterns
    + invoices.urlpatterns
    + complaints.urlpatterns
    + adjustments.urlpatterns
    + collections.urlpatterns
    + cases.urlpatterns
    + bank_files.urlpatterns
    + catalogue.urlpatterns
)
