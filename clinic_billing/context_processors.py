from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    return {"CLINIC": settings.CLINIC, "BILLING_JURISDICTION": settings.BILLING_JURISDICTION}
