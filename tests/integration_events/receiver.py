"""A webhook receiver on a local port, in a thread: it records each request and answers the status codes it is
told, one per request (the last one again once the list runs out)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    # What the receiver answered, and when (Unix seconds by the clock a test may pin): a signature is checked
    # against the moment it arrived, as a real receiver checks it.
    status: int = 200
    received_at: int = 0


@dataclass
class Receiver:
    url: str
    answers: list[int]
    received: list[Received] = field(default_factory=list)
    # Requests arrive on the server's threads at once when several workers send.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answer(self) -> int:
        with self.lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @property
    def accepted(self) -> list[Received]:
        """The requests answered with a 2xx: the deliveries that count as delivered."""
        return [request for request in self.received if 200 <= request.status < 300]


@contextmanager
def local_receiver(*answers: int) -> Iterator[Receiver]:
    receiver = Receiver(url="", answers=list(answers or (200,)))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.answer()
            receiver.received.append(
                Received(headers=dict(self.headers.items()), body=body, status=status, received_at=int(time.time()))
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/clinic"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
