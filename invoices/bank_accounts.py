"""Bank account numbers as a credit transfer needs them: an IBAN, from an IBAN or a Norwegian account number.

python-stdnum checks the check digits (IBAN's MOD 97-10, the Norwegian kontonummer's MOD11), so a mistyped
digit is refused here, not returned by the bank days later.
"""

from stdnum import iban
from stdnum.exceptions import ValidationError
from stdnum.no import kontonr


class BankAccountError(ValueError):
    pass


def account_as_iban(value: str) -> str:
    """The IBAN of `value` (an IBAN, or an 11-digit Norwegian account number with or without dots and spaces),
    in its compact form; BankAccountError when it is neither."""
    text = (value or "").strip()
    digits_only = text.replace(".", "").replace(" ", "")
    if digits_only.isdigit():
        try:
            return str(kontonr.to_iban(kontonr.validate(digits_only)))
        except ValidationError as exc:
            raise BankAccountError(str(exc)) from exc
    try:
        return str(iban.validate(text))
    except ValidationError as exc:
        raise BankAccountError(str(exc)) from exc


def iban_formatted(value: str) -> str:
    """An IBAN in groups of four, as people read it."""
    return str(iban.format(value))
