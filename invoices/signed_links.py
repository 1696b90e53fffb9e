"""Signed, expiring links to one invoice, for whoever holds a paper bill: the portal's quick-pay page and the
pay-online page each sign with a salt of their own, so one link never opens the other's page.

A token carries only the invoice id and its signing time; the signature makes it impossible to guess or alter,
and the time makes it expire after the number of days its setting names.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner

from .models import Invoice


@dataclass(frozen=True)
class InvoiceLink:
    salt: str
    days_setting: str  # the setting that says for how many days a link opens its page

    def _signer(self) -> TimestampSigner:
        return TimestampSigner(salt=self.salt)

    def token(self, invoice: Invoice) -> str:
        return self._signer().sign(str(invoice.pk))

    def invoice_id(self, token: str) -> int | None:
        """The invoice the token was signed for, or None when it is tampered with, malformed or expired."""
        try:
            value = self._signer().unsign(token, max_age=timedelta(days=getattr(settings, self.days_setting)))
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        return int(value) if value.isdigit() else None
