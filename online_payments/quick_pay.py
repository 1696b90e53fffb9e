"""Pay-online links: a signed, expiring token for one invoice, to print on a paper bill or a reminder.

Whoever holds the link sees only the bill's number and the amount due, and can pay it on the provider's hosted
page without signing in. The token carries only the invoice id and its signing time; the signature (salted for
this use alone, so a portal quick-pay token does not open it) makes it impossible to guess or alter, and the time
makes it expire after settings.ONLINE_PAYMENT_LINK_DAYS days.
"""

from datetime import timedelta

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.urls import reverse

from invoices.models import Invoice

SALT = "online-payments.pay-link"


def _signer() -> TimestampSigner:
    return TimestampSigner(salt=SALT)


def pay_link_token(invoice: Invoice) -> str:
    return _signer().sign(str(invoice.pk))


def pay_link_url(invoice: Invoice) -> str:
    """The absolute link to print on the bill."""
    return settings.SITE_URL + reverse("payments:pay-link", kwargs={"token": pay_link_token(invoice)})


def invoice_for_pay_link(token: str) -> Invoice | None:
    """The issued invoice behind a valid link; None when it is tampered with, malformed or expired."""
    try:
        value = _signer().unsign(token, max_age=timedelta(days=settings.ONLINE_PAYMENT_LINK_DAYS))
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not value.isdigit():
        return None
    return Invoice.objects.issued().filter(pk=int(value)).first()
