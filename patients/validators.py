"""Names of people (patients, proxies, staff) as they are printed on pages, letters, PDFs and CSV exports.

A name may hold any letter of any script, but no character that is invisible or changes how the text around
it is shown: control characters (Unicode category Cc: tabs, line breaks, escape sequences for terminals and
CSV readers), format characters (Cf: the bidi overrides U+202A–U+202E and isolates U+2066–U+2069 that turn
"Nora" into a name shown backwards or hide an account number's order, the left-to-right and right-to-left
marks, zero-width spaces, the soft hyphen), and line or paragraph separators (Zl, Zp).

The zero-width non-joiner and joiner (U+200C, U+200D) are Cf too, but Persian and Indic names need them to be
spelled right; they reorder nothing, so they are kept.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
ALLOWED_JOINERS = frozenset({"\u200c", "\u200d"})


def hidden_characters(value: str) -> list[str]:
    """The refused characters in `value`, as code points (`U+202E`), each once, in order of appearance."""
    found: list[str] = []
    for character in value:
        if character in ALLOWED_JOINERS or unicodedata.category(character) not in REFUSED_CATEGORIES:
            continue
        code_point = f"U+{ord(character):04X}"
        if code_point not in found:
            found.append(code_point)
    return found


def name_refusal(value: str) -> str | None:
    """Why `value` cannot be a person's name, in the reader's language, or None when it can."""
    found = hidden_characters(value)
    if not found:
        return None
    return _(
        "A name cannot contain invisible or control characters (found: %(characters)s). "
        "Type the name again instead of pasting it."
    ) % {"characters": ", ".join(found)}


def validate_name(value: str) -> None:
    """Model, form and serializer validator for a person's name."""
    message = name_refusal(value)
    if message is not None:
        raise ValidationError(message, code="hidden_characters")
