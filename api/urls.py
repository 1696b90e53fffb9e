from api import cases, collections, disputes, invoices, patients

urlpatterns = (
    patients.urlpatterns + invoices.urlpatterns + disputes.urlpatterns + collections.urlpatterns + cases.urlpatterns
)
