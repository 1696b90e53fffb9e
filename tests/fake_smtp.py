"""Local mail relays that misbehave the way real ones do, for the fault tests of reminder sending.

- `hanging`: accepts the TCP connection and never says a word (a relay stuck behind a full queue).
- `dropping`: speaks SMTP up to the end of DATA, keeps the message, then closes without replying (the
  reply lost on the way back): the client cannot know that the message was taken. It hangs up when the
  test sets `release`, so the test can act while the client is still waiting.
"""

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field


@dataclass
class Relay:
    host: str
    port: int
    # Each message the relay kept, as the raw text between DATA and the final dot.
    messages: list[str] = field(default_factory=list)
    connections: int = 0
    # Set while a client waits for a reply that does not come; `release` lets the dropping relay hang up.
    client_waiting: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)


class _HangingHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        relay: Relay = self.server.relay  # type: ignore[attr-defined]
        relay.connections += 1
        relay.client_waiting.set()
        relay.closed.wait()  # `release` does not help: this relay never answers


class _DroppingHandler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        relay: Relay = self.server.relay  # type: ignore[attr-defined]
        relay.connections += 1
        self._reply("220 relay.test ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 relay.test")
            elif command.startswith(("MAIL FROM", "RCPT TO", "RSET", "NOOP")):
                self._reply("250 OK")
            elif command == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (data := self.rfile.readline()) and data.rstrip(b"\r\n") != b".":
                    body.append(data.decode(errors="replace"))
                relay.messages.append("".join(body))
                relay.client_waiting.set()
                relay.release.wait(timeout=30)
                # Kept, and the connection dropped before the 250 that would have said so.
                self.request.shutdown(socket.SHUT_RDWR)
                return
            elif command == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def _serve(handler: type[socketserver.BaseRequestHandler]) -> Iterator[Relay]:
    server = _Server(("127.0.0.1", 0), handler)
    relay = Relay(host="127.0.0.1", port=server.server_address[1])
    server.relay = relay  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        relay.release.set()
        relay.closed.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def hanging() -> AbstractContextManager[Relay]:
    return _serve(_HangingHandler)


def dropping() -> AbstractContextManager[Relay]:
    return _serve(_DroppingHandler)
