"""Bank file parsers: bytes in, plain transactions out. Pure: no model, no database (an import-linter contract).

`parse_bank_file` recognises the format from the content and returns a `ParsedFile`; a file that does not
parse, or whose trailer totals disagree with its records, raises `BankFileRefused` with the line and the
reason, so nothing of it is imported.
"""

from .base import BankFileRefused, BankTransaction, ClaimAdjustment, FileFormat, ParsedFile

__all__ = ["BankFileRefused", "BankTransaction", "ClaimAdjustment", "FileFormat", "ParsedFile"]


def parse_bank_file(content: bytes, *, filename: str = "") -> ParsedFile:
    raise BankFileRefused("No parser yet.")
