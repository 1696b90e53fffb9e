"""The patient portal under /portal/ (and quick-pay links under /pay/, wired in clinic_billing/urls.py)."""

from .views import (
    account,
    bills,
    callbacks,
    cannot_pay,
    complaints,
    contact,
    help_pages,
    home,
    inbox,
    online_payment,
    proxies,
    statements,
)

app_name = "portal"

urlpatterns = (
    home.urlpatterns
    + account.urlpatterns
    + bills.urlpatterns
    + online_payment.urlpatterns
    + statements.urlpatterns
    + complaints.urlpatterns
    + cannot_pay.urlpatterns
    + callbacks.urlpatterns
    + contact.urlpatterns
    + proxies.urlpatterns
    + inbox.urlpatterns
    + help_pages.urlpatterns
)
