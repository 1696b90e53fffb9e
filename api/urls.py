from api import collections, disputes, invoices, patients

urlpatterns = patients.urlpatterns + invoices.urlpatterns + disputes.urlpatterns + collections.urlpatterns
