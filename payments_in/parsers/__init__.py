"""Bank file parsers: bytes in, plain transactions out. Pure: no model, no database (an import-linter contract).

`parse_bank_file` recognises the format from the content and returns a `ParsedFile`; a file that does not
parse, or whose trailer totals disagree with its records, raises `BankFileRefused` with the line and the
reason, so nothing of it is imported.
"""

import logging
import re

from django.utils.translation import gettext as _

from .base import BankFileRefused, BankTransaction, ClaimAdjustment, FileFormat, ParsedFile
from .camt import parse_camt
from .ocr_giro import parse_ocr_giro
from .x12_835 import parse_x12_835

__all__ = ["BankFileRefused", "BankTransaction", "ClaimAdjustment", "FileFormat", "ParsedFile", "parse_bank_file"]

logger = logging.getLogger(__name__)

BYTE_ORDER_MARK = b"\xef\xbb\xbf"
# Text files carry no control characters but line ends and tabs; anything else means a binary file.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(content: bytes) -> str:
    """The file as text: UTF-8, else Latin-1 (Nets sends ISO-8859-1); refused when it is not text at all."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    control = CONTROL_CHARACTER.search(text)
    if control is not None:
        raise BankFileRefused(
            _("This is not a text file: it holds control characters."),
            line=text.count("\n", 0, control.start()) + 1,
        )
    return text


def _format_of(content: bytes) -> str:
    start = content.lstrip()[:8]
    if start.startswith(b"NY000010"):
        return "ocr"
    if start.startswith(b"ISA"):
        return "x12"
    if start.startswith(b"<"):
        return "xml"
    return ""


def parse_bank_file(content: bytes, *, filename: str = "") -> ParsedFile:
    """Recognise the bank file's format from its content and parse it.

    OCR Giro starts with its transmission start record (`NY000010`), X12 with its interchange header (`ISA`),
    camt with an XML root in a camt.053/camt.054 namespace. Whatever goes wrong comes out as `BankFileRefused`
    with a reason a user can act on; `filename` only names the file in the log.
    """
    content = content.removeprefix(BYTE_ORDER_MARK)
    if not content.strip():
        raise BankFileRefused(_("The file is empty."))
    kind = _format_of(content)
    try:
        if kind == "xml":
            return parse_camt(content)
        if kind == "ocr":
            return parse_ocr_giro(_text(content))
        if kind == "x12":
            return parse_x12_835(_text(content))
    except BankFileRefused:
        raise
    except Exception as error:
        # A library failing in a way its documentation does not promise: still the file's fault, never a 500.
        # Only the kind of failure is logged: the message and traceback may quote the file (names, accounts).
        logger.warning("bank file %r could not be parsed: %s", filename, type(error).__name__)
        raise BankFileRefused(_("The file could not be read: %(error)s") % {"error": error}) from error
    _text(content[:1024])  # refuses a binary file as such
    raise BankFileRefused(
        _("This is not a bank file we can read: expected Nets OCR Giro, ISO 20022 camt.053/camt.054 or X12 835."),
        line=1,
    )
