"""Money is Decimal, quantised once at the boundary with the deployment's rounding mode.

Two bounds apply. `MAX_AMOUNT` is what a money column (DecimalField(max_digits=12, decimal_places=2)) can
hold at all. `invoice_amount_limit()` (the INVOICE_AMOUNT_LIMIT setting, far below it) bounds every amount
on one invoice and every running sum kept for it (total, balance, insurer paid), so no sum the books keep
for an invoice can pass the column, and a patient needs a thousand invoices at the limit before even the
sum over their account would. `refuse_past_invoice_limit()` is the one check, with the one message.

The settings import this module (to read INVOICE_AMOUNT_LIMIT), so it imports nothing that needs the
settings or the app registry at import time.
"""

import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS, DECIMAL_PLACES = 12, 2  # every money column: DecimalField(max_digits=12, decimal_places=2)
MAX_AMOUNT = Decimal("9999999999.99")  # the most such a column holds
DEFAULT_INVOICE_AMOUNT_LIMIT = "10000000.00"
MAX_QUANTITY = Decimal("9999999.99")  # fits InvoiceLine.quantity, DecimalField(max_digits=9, decimal_places=2)

# ASCII digits, an optional sign and decimal point ("5", "5.50", ".5", "5."; how many decimals is checked
# after, with its own message): Decimal() itself also takes "1_000", "1e3", " 12 " and other scripts'
# digits ("١٢٣"), none of which a bank or a clerk means as an amount.
PLAIN_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


class MoneyError(ValueError):
    pass


def invoice_amount_limit() -> Decimal:
    """The largest amount, and the largest running sum, one invoice may carry (INVOICE_AMOUNT_LIMIT)."""
    return Decimal(settings.INVOICE_AMOUNT_LIMIT)


def invoice_amount_limit_setting(configured: str | None) -> Decimal:
    """INVOICE_AMOUNT_LIMIT as the settings read it from the environment: a positive amount in cents that fits
    a money column (the default when not set). Anything else stops the app from starting."""
    try:
        limit = Decimal(configured if configured is not None else DEFAULT_INVOICE_AMOUNT_LIMIT)
    except InvalidOperation:
        limit = Decimal("NaN")
    if not limit.is_finite() or not ZERO < limit <= MAX_AMOUNT or limit != limit.quantize(CENT):
        raise ImproperlyConfigured(f"INVOICE_AMOUNT_LIMIT must be a positive amount of at most {MAX_AMOUNT}.")
    return limit


def invoice_limit_message(limit: Decimal | None = None) -> str:
    """The one refusal of an amount, or a sum kept for an invoice, past the limit; in the reader's language."""
    from .templatetags.money import money  # the template library needs the app registry; this module must not

    return _("One invoice can carry at most %(limit)s; this amount would take it past that.") % {
        "limit": money(invoice_amount_limit() if limit is None else limit)
    }


def refuse_past_invoice_limit(*amounts: Decimal) -> None:
    """MoneyError with the one message when any amount (or running sum) is past the invoice limit either way."""
    limit = invoice_amount_limit()
    if any(abs(amount) > limit for amount in amounts):
        raise MoneyError(invoice_limit_message(limit))


def parse_plain_decimal(value: Decimal | str | int) -> Decimal:
    """A Decimal from a Decimal, an int, or a plain decimal string; anything else is a MoneyError."""
    if isinstance(value, bool | float) or not isinstance(value, Decimal | str | int):
        # bool is an int to Python, and a float has already lost the cents it was meant to carry.
        raise MoneyError(_("Enter an amount such as 120.00."))
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value):
        raise MoneyError(_("Enter an amount such as 120.00."))
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise MoneyError(_("Enter an amount such as 120.00.")) from exc
    if not amount.is_finite():
        raise MoneyError(_("Enter an amount such as 120.00."))
    return amount


def to_money(value: Decimal | str | int) -> Decimal:
    """Parse an amount exactly; refuse floats, more than two decimals and amounts over the invoice limit."""
    amount = parse_plain_decimal(value)
    # Size first: quantising a number wider than the decimal context's precision would itself fail.
    refuse_past_invoice_limit(amount)
    if amount != amount.quantize(CENT):
        raise MoneyError(_("Use at most two decimals."))
    return amount.quantize(CENT)


def round_money(value: Decimal) -> Decimal:
    """Round a computed amount (quantity × price, a percentage) to cents with the one rounding mode."""
    return value.quantize(CENT, rounding=settings.MONEY_ROUNDING)
