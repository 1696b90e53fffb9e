"""Transaction ids that stay unique inside one file and stable across files, and short enough to store."""

import hashlib

# An id is at most 100 characters, suffix included, leaving room in a 120-character column for the importer's
# own marks. A longer key (X12 trace and claim numbers may reach 150) keeps its start and a digest of the whole.
MAX_LENGTH = 100
MAX_KEY_LENGTH = 90  # and up to 10 for the '#n' of a repeat
DIGEST_LENGTH = 16


def _bounded(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:DIGEST_LENGTH]
    return f"{key[: MAX_KEY_LENGTH - DIGEST_LENGTH - 1]}~{digest}"


class TransactionIds:
    """Hands out ids from keys the bank's data gives; a key seen again in the same file gets `#2`, `#3` …

    A bank sometimes reports two transactions that agree on every identifying field (the same payer paying the
    same KID twice in one settlement). Numbering the repeats in file order keeps both, and a re-sent or
    overlapping file that carries the same transactions numbers them the same way.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, key: str) -> str:
        key = _bounded(key)
        count = self._seen.get(key, 0) + 1
        self._seen[key] = count
        return key if count == 1 else f"{key}#{count}"
