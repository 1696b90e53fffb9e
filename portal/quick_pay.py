"""Quick-pay links: a signed, expiring token for one invoice, printed on the bill, that opens it without an account
(invoices.signed_links; expires after settings.QUICK_PAY_LINK_DAYS days)."""

from django.conf import settings
from django.urls import reverse

from invoices.models import Invoice
from invoices.signed_links import InvoiceLink

LINK = InvoiceLink(salt="quick-pay", days_setting="QUICK_PAY_LINK_DAYS")


def quick_pay_token(invoice: Invoice) -> str:
    return LINK.token(invoice)


def quick_pay_url(invoice: Invoice) -> str:
    """The absolute link printed on the bill (no query: it needs only the invoice's id)."""
    return settings.SITE_URL + reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(invoice)})


def invoice_id_for_token(token: str) -> int | None:
    """The invoice a token was signed for, or None when it is tampered with, malformed or expired."""
    return LINK.invoice_id(token)


def invoice_for_quick_pay(token: str) -> Invoice | None:
    """The issued invoice behind a valid link; drafts and cancelled drafts are never shown."""
    invoice_id = invoice_id_for_token(token)
    if invoice_id is None:
        return None
    return Invoice.objects.issued().select_related("patient").filter(pk=invoice_id).first()
