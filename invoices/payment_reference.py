"""Payment references with check digits. Pure functions: no database.

Norway's KID: MOD10 is the Luhn algorithm (python-stdnum); MOD11 weighs digits 2..7 from the right and
cannot represent a check value of 10, so such a base is skipped rather than issued.
"""

from stdnum import luhn


class PaymentReferenceError(ValueError):
    pass


def mod11_check_digit(base: str) -> str | None:
    """The MOD11 check digit of `base`, or None when the check value would be 10 ("-")."""
    weights = (2, 3, 4, 5, 6, 7)
    total = sum(int(digit) * weights[i % 6] for i, digit in enumerate(reversed(base)))
    check = 11 - total % 11
    if check == 11:
        return "0"
    if check == 10:
        return None
    return str(check)


def kid_check_digit(base: str, scheme: str = "MOD10") -> str | None:
    if not base.isdigit():
        raise PaymentReferenceError("A KID base is digits only.")
    if scheme == "MOD10":
        return str(luhn.calc_check_digit(base))
    if scheme == "MOD11":
        return mod11_check_digit(base)
    raise PaymentReferenceError(f"Unknown KID scheme {scheme!r}.")


def kid_is_valid(kid: str, scheme: str = "MOD10") -> bool:
    if not (2 <= len(kid) <= 25 and kid.isdigit()):
        return False
    return kid_check_digit(kid[:-1], scheme) == kid[-1]


def kid_for_invoice(*, year: int, sequence: int, length: int, scheme: str = "MOD10") -> str:
    """A KID of `length` digits: two-digit year, zero-padded sequence, a spare digit, the check digit.

    The spare digit lets a MOD11 KID skip a base whose check value is 10 without skipping an invoice
    number (numbers stay gapless).
    """
    if not 5 <= length <= 25:
        raise PaymentReferenceError("A KID for invoices needs 5 to 25 digits.")
    width = length - 4
    if sequence >= 10**width:
        raise PaymentReferenceError("The invoice sequence no longer fits the KID length; lengthen the KID.")
    stem = f"{year % 100:02d}{sequence:0{width}d}"
    for spare in range(10):
        check = kid_check_digit(f"{stem}{spare}", scheme)
        if check is not None:
            return f"{stem}{spare}{check}"
    raise PaymentReferenceError("No valid KID for this invoice number.")  # unreachable: some spare digit works


def account_reference(*, patient_id: int, year: int, sequence: int) -> str:
    """US statement reference: account number and statement number, Luhn-checked as a whole."""
    base = f"{patient_id:07d}{year % 100:02d}{sequence:06d}"
    return f"{patient_id:07d}-{year % 100:02d}{sequence:06d}{luhn.calc_check_digit(base)}"
