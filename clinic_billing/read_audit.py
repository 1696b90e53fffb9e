"""Which routes show a patient's records: declared for every route of the URLconf, in one place.

Every read of a patient's account, invoice, complaint, case, call or document leaves an audit ACCESS row
(who, what, from where; docs/security.md). A route is declared here either as showing a patient's records
(its view writes the row: `accessed.send` for one record, `clinic_billing.audited.log_bulk_reads` for a list,
a document or an export) or as showing none. tests/test_read_audit.py walks the URLconf: a route declared in
neither set fails, a route declared as showing records must leave the row, and a page declared as showing
none must not show the patient's name or e-mail address. A new route therefore cannot ship unaudited by
being forgotten.

Routes are named by their URL name. The Django admin (superusers only, kept out of the clinic's daily work)
is outside this declaration.
"""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

SHOWS_PATIENT_RECORDS = frozenset(
    {
        # Staff pages, documents and exports
        "home",
        "patient-search",
        "patient-detail",
        "patient-contact-edit",
        "invoice-detail",
        "invoice-pdf",
        "credit-note-pdf",
        "invoice-payment",
        "complaint-list",
        "complaint-new",
        "complaint-invoice-lines",
        "complaint-detail",
        "complaint-letter",
        "adjustment-queue",
        "call-list",
        "invoice-payment-plan",
        "invoice-deferral",
        "reminder-letter",
        "case-list",
        "case-agency-export",
        "case-detail",
        "case-conciliation-notice",
        "case-summary",
        "print-batch",
        "print-batch-pdf",
        "aging-report",
        "aging-report-csv",
        "audit-log",
        "audit-log-csv",
        # The API
        "api-patient-detail",
        "api-invoice-detail",
        "api-invoice-pdf",
        "api-credit-note-detail",
        "api-credit-note-pdf",
        "api-complaint-detail",
        "api-adjustment-list",
        "api-payment-plan-list",
        "api-reminder-list",
        "api-collection-case-list",
        "api-follow-up-call-list",
        # The portal
        "portal-home",
        "portal-bills",
        "portal-bill",
        "portal-bill-pdf",
        "portal-credit-note-pdf",
        "portal-quick-pay",
        "portal-quick-pay-pdf",
        "portal-dispute",
        "portal-complaints",
        "portal-complaint",
        "portal-dispute-sent",
        "portal-complaint-letter",
        "portal-cannot-pay",
        "portal-cannot-pay-plan",
        "portal-cannot-pay-later",
        "portal-payment-plan",
        "portal-deferral",
        "portal-callback",
        "portal-request-sent",
        "portal-contact",
        "portal-proxies",
        "portal-messages",
        "portal-message",
    }
)

SHOWS_NO_PATIENT_RECORDS = frozenset(
    {
        # Signing in and out, languages, the staff member's own account and second factor
        "login",
        "logout",
        "set_language",
        "my-account",
        "sign-out-elsewhere",
        "mfa-setup",
        "mfa-verify",
        "mfa-staff-list",
        "mfa-staff-reset",
        "portal-login",
        "portal-logout",
        "portal-language",
        "portal-activate",
        "portal-password-reset",
        "portal-password-reset-done",
        "portal-password-reset-confirm",
        "portal-password-reset-complete",
        # The link sent to the patient's previous address after someone else changed it: it shows the holder
        # of that link only the new address it asks them to confirm, no record of the patient's account.
        "portal-contact-change-confirm",
        "portal-sign-out-elsewhere",
        "mfa-portal-settings",
        "mfa-portal-setup",
        "mfa-portal-verify",
        # The API's description, its JSON 404, and its writes (they answer with what was sent, or a refusal)
        "api-schema",
        "clinic_billing.api_errors.api_not_found",
        "api-docs",
        "api-patient-create",
        "api-invoice-create",
        "api-invoice-issue",
        "api-invoice-payment-create",
        "api-invoice-insurance-settled",
        "api-complaint-create",
        "api-complaint-met",
        "api-complaint-accept-proposal",
        "api-complaint-close",
        "api-adjustment-approve",
        "api-adjustment-reject",
        "api-invoice-defer",
        "api-collection-case-decide",
        "api-follow-up-call-outcome",
        # Staff writes that answer with a redirect to the (audited) page of the record
        "invoice-issue",
        "invoice-insurance-settled",
        "adjustment-approve",
        "adjustment-reject",
        "complaint-met",
        "complaint-accept-proposal",
        "complaint-close",
        "call-outcome",
        "case-decide",
        "case-conciliation-notice-sent",
        "reminder-confirm-sent",
        "print-batch-record",
        "reminder-resend",
        "patient-contact-change-confirm",
        "portal-proxy-grant",
        "portal-proxy-revoke",
        "portal-staff-invite",
        # Office set-up and aggregates: policy, schedule, help articles, prices, counts without names
        "policy-detail",
        "policy-edit",
        "policy-version",
        "complaint-report",
        "complaint-report-csv",
        "schedule-detail",
        "schedule-edit",
        "help-article-list",
        "help-article-edit",
        "portal-help",
        "portal-help-article",
        "portal-prices",
        "portal-estimate-pdf",
    }
)


def routes() -> Iterator[tuple[str, URLPattern]]:
    """(name, pattern) of every route outside the Django admin; an unnamed route by its view's dotted path."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                yield from walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                name = pattern.name or f"{callback.__module__}.{callback.__qualname__}"
                yield name, pattern

    yield from walk(get_resolver(), "")


def undeclared_routes() -> set[str]:
    """Routes declared neither as showing a patient's records nor as showing none."""
    return {name for name, _pattern in routes()} - SHOWS_PATIENT_RECORDS - SHOWS_NO_PATIENT_RECORDS
