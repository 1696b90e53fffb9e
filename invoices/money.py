"""Money is Decimal, quantised once at the boundary with the deployment's rounding mode."""

from decimal import Decimal, InvalidOperation

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")  # fits DecimalField(max_digits=12, decimal_places=2)


class MoneyError(ValueError):
    pass


def to_money(value: Decimal | str | int) -> Decimal:
    """Parse an amount exactly; refuse floats, more than two decimals and amounts that do not fit."""
    if isinstance(value, float):
        raise MoneyError("Amounts must be decimal, never float.")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise MoneyError("Enter an amount such as 120.00.") from exc
    if not amount.is_finite():
        raise MoneyError("Enter an amount such as 120.00.")
    # Size first: quantising a number wider than the decimal context's precision would itself fail.
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError("The amount is too large.")
    if amount != amount.quantize(CENT):
        raise MoneyError("Use at most two decimals.")
    return amount.quantize(CENT)


def round_money(value: Decimal) -> Decimal:
    """Round a computed amount (quantity × price, a percentage) to cents with the one rounding mode."""
    return value.quantize(CENT, rounding=settings.MONEY_ROUNDING)
