"""The Clinic-Signature header: what a receiver checks, through the same pure helper docs/api.md describes."""

from pathlib import Path

import pytest
import time_machine

from integration_events.signatures import signature_header, signature_verify

SECRET = "whsec_test-secret"
BODY = b'{"id":7,"type":"invoice.issued"}'
SENT = 1_796_000_000


def test_it_accepts_the_body_it_signed():
    header = signature_header(payload=BODY, secret=SECRET, timestamp=SENT)

    assert header.startswith(f"t={SENT},v1=")
    assert signature_verify(payload=BODY, header=header, secret=SECRET, now=SENT + 10)


def test_it_refuses_a_tampered_body():
    header = signature_header(payload=BODY, secret=SECRET, timestamp=SENT)

    assert not signature_verify(payload=BODY.replace(b"7", b"8"), header=header, secret=SECRET, now=SENT)


def test_it_refuses_another_endpoints_secret():
    header = signature_header(payload=BODY, secret="whsec_other", timestamp=SENT)

    assert not signature_verify(payload=BODY, header=header, secret=SECRET, now=SENT)


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_it_refuses_a_timestamp_outside_the_tolerance(age):
    header = signature_header(payload=BODY, secret=SECRET, timestamp=SENT)

    assert not signature_verify(payload=BODY, header=header, secret=SECRET, now=SENT + age)


def test_it_refuses_a_replay_under_a_new_timestamp_with_the_old_signature():
    signature = signature_header(payload=BODY, secret=SECRET, timestamp=SENT).split(",")[1]

    assert not signature_verify(payload=BODY, header=f"t={SENT + 600},{signature}", secret=SECRET, now=SENT + 600)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", f"t={SENT}", "garbage"])
def test_it_refuses_a_header_it_cannot_read(header):
    assert not signature_verify(payload=BODY, header=header, secret=SECRET, now=SENT)


def test_it_accepts_any_of_several_signatures_while_a_secret_is_rotated():
    new = signature_header(payload=BODY, secret=SECRET, timestamp=SENT)
    old = signature_header(payload=BODY, secret="whsec_old", timestamp=SENT).split(",")[1]

    assert signature_verify(payload=BODY, header=f"{new},{old}", secret=SECRET, now=SENT)


def _documented_verify():
    """The receiver's check as docs/api.md prints it, run as written."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    snippet = doc.split("refuses an old timestamp", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation, checked to stay true
    return namespace["verify"]


def test_the_receivers_check_in_the_docs_agrees_with_the_helper():
    verify = _documented_verify()
    with time_machine.travel(SENT, tick=False):
        header = signature_header(payload=BODY, secret=SECRET, timestamp=SENT)
        assert verify(BODY, header, SECRET)
        assert not verify(BODY + b" ", header, SECRET)
        assert not verify(BODY, header, "whsec_other")
    with time_machine.travel(SENT + 301, tick=False):
        assert not verify(BODY, header, SECRET)
