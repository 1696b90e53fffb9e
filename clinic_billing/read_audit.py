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
        "frontdesk:home",
        "frontdesk:patient-search",
        "frontdesk:patient-detail",
        "frontdesk:patient-contact-edit",
        # The desk's forms on an account (their header names the patient) and a proxy's signed authorisation
        "frontdesk:patient-coverage-add",
        "frontdesk:patient-invoice-new",
        "frontdesk:patient-promise-new",
        "frontdesk:patient-proxy-new",
        "frontdesk:patient-proxy-document",
        "frontdesk:invoice-detail",
        "invoices:invoice-pdf",
        "invoices:credit-note-pdf",
        "invoices:refund-list",
        "invoices:credit-apply",
        "invoices:refund-request",
        "invoices:refund-batch-file",
        "invoices:patient-statement",
        "frontdesk:invoice-payment",
        "disputes:complaint-list",
        "disputes:complaint-new",
        "disputes:complaint-invoice-lines",
        "disputes:complaint-detail",
        "disputes:complaint-letter",
        "disputes:adjustment-queue",
        "collections:call-list",
        "collections:call-request-note",
        "collections:invoice-payment-plan",
        "collections:invoice-deferral",
        "collections:reminder-letter",
        "collections:case-list",
        "collections:case-agency-export",
        "collections:case-detail",
        "collections:case-conciliation-notice",
        "collections:case-summary",
        "collections:print-batch",
        "collections:print-batch-pdf",
        "collections:aging-report",
        "collections:aging-report-csv",
        "compliance:audit-log",
        "compliance:audit-log-csv",
        # The good-faith estimates kept for 6 years: each names the patient it was given to
        "portal:estimate-list",
        "portal:estimate-pdf",
        # Bank files: a file's transactions, the queue and a payment name the invoices and patients they paid
        # (the writes on a payment show its page again when refused)
        "bankfiles:bank-file-detail",
        "bankfiles:bank-file-report",
        "bankfiles:queue-list",
        "bankfiles:transaction-detail",
        "bankfiles:transaction-match",
        "bankfiles:transaction-split",
        "bankfiles:transaction-refund",
        "bankfiles:transaction-undo",
        # The API
        "api-patient-list",
        "api-patient-detail",
        "api-invoice-list",
        "api-complaint-list",
        "api-payment-list",
        "api-reminder-sync",
        "api-event-list",
        "api-invoice-detail",
        "api-invoice-pdf",
        "api-credit-note-detail",
        "api-credit-note-pdf",
        "api-patient-statement",
        # A refund names its payee (often the patient); asking for one answers with it
        "api-refund-detail",
        "api-invoice-refund-create",
        "api-complaint-detail",
        "api-adjustment-list",
        "api-payment-plan-list",
        "api-reminder-list",
        "api-collection-case-list",
        "api-follow-up-call-list",
        # The portal
        "portal:portal-home",
        "portal:portal-bills",
        "portal:portal-bill",
        "portal:portal-bill-pdf",
        "portal:portal-credit-note-pdf",
        "portal:portal-statement",
        "portal:portal-quick-pay",
        "portal:portal-quick-pay-pdf",
        "portal:portal-dispute",
        "portal:portal-complaints",
        "portal:portal-complaint",
        "portal:portal-dispute-sent",
        "portal:portal-complaint-letter",
        "portal:portal-cannot-pay",
        "portal:portal-cannot-pay-plan",
        "portal:portal-cannot-pay-later",
        "portal:portal-payment-plan",
        "portal:portal-deferral",
        "portal:portal-callback",
        "portal:portal-request-sent",
        "portal:portal-contact",
        "portal:portal-proxies",
        "portal:portal-messages",
        "portal:portal-message",
        # Online payment: the return page, the receipt, the page of a payment given up; the pay-online link of a
        # paper bill (its number and the amount due) and its return page
        "portal:portal-payment-return",
        "portal:portal-payment-receipt",
        "portal:portal-payment-cancelled",
        "payments:pay-link",
        "payments:pay-link-paid",
    }
)

SHOWS_NO_PATIENT_RECORDS = frozenset(
    {
        # Signing in and out, languages, the staff member's own account and second factor
        "login",
        "logout",
        "set_language",
        "sessions:my-account",
        "sessions:sign-out-elsewhere",
        "mfa:mfa-setup",
        "mfa:mfa-verify",
        "mfa:mfa-staff-list",
        "mfa:mfa-staff-reset",
        "portal:portal-login",
        "portal:portal-logout",
        "portal:portal-language",
        "portal:portal-activate",
        "portal:portal-password-reset",
        "portal:portal-password-reset-done",
        "portal:portal-password-reset-confirm",
        "portal:portal-password-reset-complete",
        # The link sent to the patient's previous address after someone else changed it: it shows the holder
        # of that link only the new address it asks them to confirm, no record of the patient's account.
        "portal:portal-contact-change-confirm",
        "sessions:portal-sign-out-elsewhere",
        "mfa:mfa-portal-settings",
        "mfa:mfa-portal-setup",
        "mfa:mfa-portal-verify",
        # The API's description, its JSON 404, and its writes (they answer with what was sent, or a refusal)
        "api-schema",
        "clinic_billing.api_errors.api_not_found",
        "api-docs",
        "api-invoice-issue",
        "api-invoice-payment-create",
        "api-invoice-insurance-settled",
        "api-invoice-void",
        "api-invoice-credit-note-create",
        "api-payment-reverse",
        "api-complaint-met",
        "api-complaint-accept-proposal",
        "api-complaint-close",
        "api-adjustment-approve",
        "api-adjustment-reject",
        "api-invoice-defer",
        "api-collection-case-decide",
        "api-follow-up-call-outcome",
        # A bank file's import report: counts and sums, no patient
        "api-bank-file-import",
        "api-bank-file-detail",
        # The service catalogue: codes, names and prices, no patient
        "catalogue:service-list",
        "catalogue:service-new",
        "catalogue:service-detail",
        "catalogue:service-price-new",
        "api-service-list",
        # The bank files imported: file names and counts, no patient
        "bankfiles:bank-file-list",
        # Online payment: the provider's webhook (it answers the provider, not a person) and "Pay online" (a write
        # that redirects to the provider's hosted page)
        "payments:webhook",
        "portal:portal-pay-online",
        # Staff writes that answer with a redirect to the (audited) page of the record
        "invoices:invoice-issue",
        "invoices:invoice-insurance-settled",
        "invoices:refund-approve",
        "invoices:refund-reject",
        "invoices:refund-export",
        "disputes:adjustment-approve",
        "disputes:adjustment-reject",
        "disputes:complaint-met",
        "disputes:complaint-accept-proposal",
        "disputes:complaint-close",
        "collections:call-outcome",
        "collections:call-write-instead",
        "collections:case-decide",
        "collections:case-conciliation-notice-sent",
        "collections:reminder-confirm-sent",
        "collections:print-batch-record",
        "collections:reminder-resend",
        "frontdesk:patient-contact-change-confirm",
        # The new-patient form names nobody; the likely duplicates a POST shows are logged (log_bulk_reads)
        "frontdesk:patient-new",
        "frontdesk:patient-caller",
        "frontdesk:patient-caller-end",
        "frontdesk:patient-note-add",
        "frontdesk:patient-quick-invoice",
        "frontdesk:patient-promise-withdraw",
        "frontdesk:patient-proxy-revoke",
        "portal:portal-proxy-grant",
        "portal:portal-proxy-revoke",
        "portal:portal-staff-invite",
        # Office set-up and aggregates: policy, schedule, help articles, prices, counts without names
        "office:policy-detail",
        "office:policy-edit",
        "office:policy-version",
        "office:complaint-report",
        "office:complaint-report-csv",
        "collections:schedule-detail",
        "collections:schedule-edit",
        "portal:help-article-list",
        "portal:help-article-edit",
        "portal:help-article-translate",
        "portal:portal-help",
        "portal:portal-help-article",
        "portal:portal-prices",
        "portal:portal-estimate-pdf",
    }
)


def routes() -> Iterator[tuple[str, URLPattern]]:
    """(namespace:name, pattern) of every route outside the Django admin; an unnamed route by its view's dotted
    path."""

    def walk(resolver: URLResolver, namespace: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                yield from walk(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                name = (
                    f"{namespace}{pattern.name}" if pattern.name else f"{callback.__module__}.{callback.__qualname__}"
                )
                yield name, pattern

    yield from walk(get_resolver(), "")


def undeclared_routes() -> set[str]:
    """Routes declared neither as showing a patient's records nor as showing none."""
    return {name for name, _pattern in routes()} - SHOWS_PATIENT_RECORDS - SHOWS_NO_PATIENT_RECORDS
