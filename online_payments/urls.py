"""Online payment under /payments/: the providers' webhooks and the pay-online link of a paper bill."""

from .views import urlpatterns

app_name = "payments"

__all__ = ["app_name", "urlpatterns"]
