"""A local fake of the parts of Stripe's API that online payment uses, so tests never reach the internet.

The official SDK is pointed at it (settings.STRIPE_API_BASE). It answers

- `POST /v1/checkout/sessions` (form-encoded, as the SDK sends it): a session with a hosted page URL on this
  server; a repeated Idempotency-Key returns the first session, as Stripe does;
- `GET /v1/checkout/sessions/{id}`;
- `GET /pay/{id}`: a hosted checkout page with the amount, a "Pay" button and a "Cancel" link;
- `POST /pay/{id}`: the payment: the session becomes complete and paid, a `checkout.session.completed` event
  signed with Stripe's scheme (`t=…,v1=HMAC-SHA256(secret, f"{t}.{payload}")`) is sent to the app's webhook,
  and the browser is sent back to the session's success_url.

Tests can also sign and deliver events themselves (`event_for`, `signature_header`, `deliver`).
"""

import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

SESSION_PATH = re.compile(r"^/v1/checkout/sessions/(?P<id>cs_test_\w+)$")
PAY_PATH = re.compile(r"^/pay/(?P<id>cs_test_\w+)$")
# Test keys of the fake alone, never a real account's.
SECRET_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_fake"


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """Stripe's `Stripe-Signature` header for `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def nested_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (`line_items[0][price_data][unit_amount]=500`) back into nested values."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return result


@dataclass
class FakeStripe:
    api_base: str
    secret_key: str
    webhook_secret: str
    # Where the fake hosted page sends its events (the app's /payments/stripe/webhook/); set by the test.
    webhook_url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_idempotency_key: dict[str, str] = field(default_factory=dict)
    # Each event sent to the webhook, with the status the app answered.
    deliveries: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_session(self, form: dict[str, Any]) -> dict[str, Any]:
        item = form["line_items"]["0"]
        price = item["price_data"]
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode", "payment"),
            "amount_total": int(price["unit_amount"]) * int(item.get("quantity", "1")),
            "currency": price["currency"],
            "client_reference_id": form.get("client_reference_id"),
            "metadata": form.get("metadata", {}),
            "locale": form.get("locale"),
            "description": price["product_data"]["name"],
            "success_url": form["success_url"],
            "cancel_url": form["cancel_url"],
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "url": f"{self.api_base}/pay/{session_id}",
            "livemode": False,
            "created": int(time.time()),
        }
        self.sessions[session_id] = session
        return session

    def complete(self, session_id: str) -> dict[str, Any]:
        """The patient paid: the session is complete and paid, with a new payment intent."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=f"pi_{secrets.token_hex(12)}")
        return session

    def event_for(self, session: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """A `checkout.session.completed` event about `session` (with `changes` made to its copy)."""
        return {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "type": "checkout.session.completed",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": {**session, **changes}},
        }

    def deliver(self, event: dict[str, Any], *, secret: str | None = None) -> int:
        """POST the event to the app's webhook, signed (with another `secret` to forge it); the answer's status."""
        payload = json.dumps(event)
        request = urllib.request.Request(  # noqa: S310 (the app's local webhook URL)
            self.webhook_url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": signature_header(payload, secret or self.webhook_secret),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a local URL)
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        self.deliveries.append((event, status))
        return status


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output shows failures, not every request."""

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _html(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, url: str) -> None:
        self.send_response(303)
        self.send_header("Location", url)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self) -> str:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

    def _authorised(self) -> bool:
        fake = self.server.fake
        if self.headers.get("Authorization") == f"Bearer {fake.secret_key}":
            return True
        self._json(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})
        return False

    def do_POST(self) -> None:
        fake = self.server.fake
        fake.requests.append(("POST", self.path))
        if self.path == "/v1/checkout/sessions":
            if not self._authorised():
                return
            form = nested_form(self._body())
            key = self.headers.get("Idempotency-Key", "")
            with fake.lock:
                if key and key in fake.by_idempotency_key:
                    session = fake.sessions[fake.by_idempotency_key[key]]
                else:
                    session = fake.create_session(form)
                    if key:
                        fake.by_idempotency_key[key] = session["id"]
            self._json(200, session)
            return
        match = PAY_PATH.match(self.path)
        if match and match["id"] in fake.sessions:
            self._body()
            session = fake.complete(match["id"])
            fake.deliver(fake.event_for(session))
            self._redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
            return
        self._json(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.requests.append(("GET", self.path))
        match = SESSION_PATH.match(self.path)
        if match:
            if not self._authorised():
                return
            session = fake.sessions.get(match["id"])
            if session is None:
                self._json(404, {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}})
            else:
                self._json(200, session)
            return
        match = PAY_PATH.match(self.path)
        if match and match["id"] in fake.sessions:
            session = fake.sessions[match["id"]]
            amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
            self._html(
                200,
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
                "<title>Fake Stripe Checkout</title>"
                "</head><body><main><h1>Fake Stripe Checkout</h1>"
                f"<p>{html.escape(session['description'])}</p><p id='amount'>{html.escape(amount)}</p>"
                f"<form method='post' action='/pay/{session['id']}'><button type='submit'>Pay</button></form>"
                f"<p><a href='{html.escape(session['cancel_url'])}'>Cancel</a></p></main></body></html>",
            )
            return
        self._json(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeStripe


@contextmanager
def fake_stripe(*, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET) -> Iterator[FakeStripe]:
    """Run the fake on a free local port for the `with` block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeStripe(
        api_base=f"http://127.0.0.1:{server.server_address[1]}", secret_key=secret_key, webhook_secret=webhook_secret
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
