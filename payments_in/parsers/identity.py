"""Transaction ids that stay unique inside one file and stable across files."""


class TransactionIds:
    """Hands out ids from keys the bank's data gives; a key seen again in the same file gets `#2`, `#3` …

    A bank sometimes reports two transactions that agree on every identifying field (the same payer paying the
    same KID twice in one settlement). Numbering the repeats in file order keeps both, and a re-sent or
    overlapping file that carries the same transactions numbers them the same way.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, key: str) -> str:
        count = self._seen.get(key, 0) + 1
        self._seen[key] = count
        return key if count == 1 else f"{key}#{count}"
