"""A clock the session rules read, moved by the tests (clinic_billing.session_security.now)."""

import time

import pytest

from clinic_billing import session_security


class Clock:
    def __init__(self) -> None:
        self.at = time.time()

    def advance(self, *, minutes: float = 0, seconds: float = 0) -> None:
        self.at += minutes * 60 + seconds

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(session_security, "now", clock)
    return clock
