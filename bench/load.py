"""A small closed-loop HTTP load generator: raw sockets, one request per connection, N threads.

Kept deliberately thin (prebuilt request bytes, no HTTP library) so that the client takes as little of the
machine's two cores as it can; the same client drives the floor and the application, so its own cost
weighs on both measurements.
"""

import os
import random
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# A request builder returns (name, raw request bytes, the status that counts as success).
Builder = Callable[[random.Random], tuple[str, bytes, int]]


def get(path: str, *, cookie: str = "", headers: str = "") -> bytes:
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie_line}{headers}Connection: close\r\n\r\n").encode()


def post_json(path: str, body: bytes, *, headers: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{headers}Connection: close\r\n\r\n"
    ).encode() + body


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process on this machine (from /proc), None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    by_name: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.latencies_ms) or [0.0]
        count = len(self.latencies_ms)
        return {
            "seconds": round(self.seconds, 1),
            "requests": count,
            "throughput_rps": round(count / self.seconds, 1),
            "median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "mix": dict(self.by_name),
        }


def _send(port: int, request: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head = b"".join(chunks[:1])[:12]
    return int(head[9:12]) if head.startswith(b"HTTP/1.") else 0


def run(*, port: int, builders: list[tuple[int, Builder]], seconds: float, concurrency: int) -> LoadResult:
    """Each thread sends a request, waits for the whole answer, and sends the next, for `seconds`."""
    result = LoadResult(seconds=seconds)
    lock = threading.Lock()
    weights = [weight for weight, _builder in builders]
    deadline = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - picks pages, not secrets
        while time.perf_counter() < deadline:
            builder = rng.choices(builders, weights=weights)[0][1]
            name, request, expected = builder(rng)
            started = time.perf_counter()
            try:
                status = _send(port, request)
            except OSError as exc:
                status, error = 0, type(exc).__name__
            else:
                error = "" if status == expected else f"{name}: HTTP {status}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.latencies_ms.append(elapsed)
                result.by_name[name] += 1
                if error:
                    result.errors[error] += 1

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result
