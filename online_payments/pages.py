"""What a page with a "Pay online" button needs from this app (portal's bill and plan pages, the pay link)."""

from django.http import HttpResponse

from .providers import active_provider


def allow_checkout_redirect(response: HttpResponse) -> HttpResponse:
    """Let the page's pay form lead to the provider's hosted page: the CSP's `form-action` (only 'self'
    everywhere else) also governs where a form's redirect may go."""
    provider = active_provider()
    if provider is not None:
        response._csp_update = {"form-action": provider.form_action_origins()}  # type: ignore[attr-defined]
    return response
