"""The patient portal under /portal/ (and quick-pay links under /pay/, wired in clinic_billing/urls.py)."""

from .views import account, bills, help_pages, home, requests

urlpatterns = home.urlpatterns + account.urlpatterns + bills.urlpatterns + requests.urlpatterns + help_pages.urlpatterns
