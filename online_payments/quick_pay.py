"""Pay-online links: a signed, expiring token for one invoice, to print on a paper bill or a reminder.

Whoever holds the link sees only the bill's number and the amount due, and can pay it on the provider's hosted
page without signing in. Signed as invoices.signed_links signs (with a salt of its own, so a portal quick-pay
token does not open it); expires after settings.ONLINE_PAYMENT_LINK_DAYS days.
"""

from django.conf import settings
from django.urls import reverse

from invoices.models import Invoice
from invoices.signed_links import InvoiceLink

LINK = InvoiceLink(salt="online-payments.pay-link", days_setting="ONLINE_PAYMENT_LINK_DAYS")


def pay_link_token(invoice: Invoice) -> str:
    return LINK.token(invoice)


def pay_link_url(invoice: Invoice) -> str:
    """The absolute link to print on the bill."""
    return settings.SITE_URL + reverse("payments:pay-link", kwargs={"token": pay_link_token(invoice)})


def invoice_for_pay_link(token: str) -> Invoice | None:
    """The issued invoice behind a valid link; None when it is tampered with, malformed or expired."""
    invoice_id = LINK.invoice_id(token)
    if invoice_id is None:
        return None
    return Invoice.objects.issued().filter(pk=invoice_id).first()
