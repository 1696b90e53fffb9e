"""`Cache-Control: no-store` on every answer that may carry patient or staff data.

Billing pages, PDFs, CSV exports and API answers are health data: a shared computer's browser cache, a
corporate proxy or the back button after signing out must not keep a copy. The rule is "no-store unless
known public", not "no-store when signed in": quick-pay and invitation links show a bill or an e-mail
address without a session, and an API answer authenticated by token has no session either. Only the public
help pages and the price list, answered to an anonymous visitor, may be cached; not the good-faith estimate PDF,
which carries the name, date of birth and diagnosis codes the visitor typed.
Static files never reach this middleware (WhiteNoise answers them first).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# URL names (namespace:name) whose answers are the same for every visitor and name nobody.
PUBLIC_URL_NAMES = frozenset({"portal:portal-help", "portal:portal-help-article", "portal:portal-prices"})


def is_public(request: HttpRequest) -> bool:
    """True for an anonymous visitor's request to one of the public pages."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    match = request.resolver_match
    return match is not None and match.view_name in PUBLIC_URL_NAMES


class NoStoreMiddleware:
    """Marks every non-public answer `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_public(request):
            # Replaces whatever a view set (`never_cache`'s max-age=0, a PDF's private): no-store says it all.
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
