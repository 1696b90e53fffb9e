"""Quick-pay links: a signed, expiring token for one invoice, printed on the bill, that opens it without an account.

The token carries only the invoice id and its signing time; the signature (salted for this use alone) makes it
impossible to guess or alter, and the time makes it expire after settings.QUICK_PAY_LINK_DAYS days.
"""

from datetime import timedelta

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.urls import reverse

from invoices.models import Invoice

SALT = "quick-pay"


def _signer() -> TimestampSigner:
    return TimestampSigner(salt=SALT)


def quick_pay_token(invoice: Invoice) -> str:
    return _signer().sign(str(invoice.pk))


def quick_pay_url(invoice: Invoice) -> str:
    """The absolute link printed on the bill (no query: it needs only the invoice's id)."""
    return settings.SITE_URL + reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(invoice)})


def invoice_id_for_token(token: str) -> int | None:
    """The invoice a token was signed for, or None when it is tampered with, malformed or expired."""
    try:
        value = _signer().unsign(token, max_age=timedelta(days=settings.QUICK_PAY_LINK_DAYS))
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return int(value) if value.isdigit() else None


def invoice_for_quick_pay(token: str) -> Invoice | None:
    """The issued invoice behind a valid link; drafts and cancelled drafts are never shown."""
    invoice_id = invoice_id_for_token(token)
    if invoice_id is None:
        return None
    return Invoice.objects.issued().select_related("patient").filter(pk=invoice_id).first()
