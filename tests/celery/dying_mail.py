"""A mail backend for the worker fault test: it writes each message's Message-ID to a log (the message has
left), and then, while the kill file says so, kills its own worker process before the send is recorded."""

import os
import signal
from collections.abc import Sequence
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        log = Path(os.environ["TEST_MAIL_LOG"])
        with log.open("a", encoding="utf-8") as handle:
            for message in email_messages:
                handle.write(f"{message.extra_headers['Message-ID']}\n")
            handle.flush()
            os.fsync(handle.fileno())
        kills = Path(os.environ["TEST_KILL_FILE"])
        if kills.exists():
            left = int(kills.read_text() or "0")
            if left <= 1:
                kills.unlink()
            else:
                kills.write_text(str(left - 1))
            # The worker dies the moment the notice has left: no result recorded, no task acknowledged.
            os.kill(os.getpid(), signal.SIGKILL)
        return len(email_messages)
