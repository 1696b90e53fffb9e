"""Security headers on a normal response, production settings, and templates that never need inline code."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
# PDFs are laid out by WeasyPrint from these templates and never served to a browser as HTML pages.
PDF_TEMPLATES_DIR = TEMPLATES_DIR / "pdf"


@pytest.fixture
def production_response(settings, db):
    """The sign-in page as production serves it (DEBUG off; no SSL redirect, the test client speaks HTTP)."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = False
    return Client().get(reverse("login"))


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_it_sends_a_content_security_policy(production_response):
    directives = _csp_directives(production_response["Content-Security-Policy"])
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_it_allows_no_inline_scripts(production_response):
    directives = _csp_directives(production_response["Content-Security-Policy"])
    scripts = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts


def test_it_allows_no_inline_styles(production_response):
    directives = _csp_directives(production_response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"])


def test_it_forbids_content_type_sniffing(production_response):
    assert production_response["X-Content-Type-Options"] == "nosniff"


def test_it_keeps_the_referrer_on_the_site(production_response):
    assert production_response["Referrer-Policy"] == "same-origin"


def test_it_forbids_framing(production_response):
    assert production_response["X-Frame-Options"] == "DENY"


def test_it_isolates_the_browsing_context(production_response):
    assert production_response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture(scope="module")
def production_settings() -> dict[str, object]:
    """settings.py read in a fresh interpreter with the production environment (DEBUG=0)."""
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
    ]
    script = (
        "import json; from clinic_billing import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {names!r}}}))"
    )
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-secret-for-the-settings-test-only-0123456789",
        "SECURE_SSL_REDIRECT": "",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_sends_hsts_for_a_year_in_production(production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


def test_it_redirects_to_https_in_production(production_settings):
    assert production_settings["SECURE_SSL_REDIRECT"] is True


@pytest.mark.parametrize("name", ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY"])
def test_it_keeps_cookies_secure_in_production(production_settings, name):
    assert production_settings[name] is True


# --- Templates: nothing that would need 'unsafe-inline' ------------------------------------------------

COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)
SCRIPT = re.compile(r"<script\b(?P<attributes>[^>]*)>(?P<body>.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.DOTALL)


def _page_templates() -> list[Path]:
    return sorted(path for path in TEMPLATES_DIR.rglob("*.html") if PDF_TEMPLATES_DIR not in path.parents)


def _source(path: Path) -> str:
    return COMMENTS.sub("", path.read_text(encoding="utf-8"))


def _relative(path: Path) -> str:
    return str(path.relative_to(TEMPLATES_DIR))


def test_it_finds_the_templates_it_scans():
    assert len(_page_templates()) > 20


def test_it_has_no_inline_scripts_in_templates():
    offenders = [
        _relative(path)
        for path in _page_templates()
        for match in SCRIPT.finditer(_source(path))
        if "src=" not in match["attributes"] and match["body"].strip()
    ]
    assert offenders == []


def test_it_has_no_style_attributes_in_templates():
    offenders = [_relative(path) for path in _page_templates() if STYLE_ATTRIBUTE.search(_source(path))]
    assert offenders == []


def test_it_has_no_style_elements_in_page_templates():
    offenders = [_relative(path) for path in _page_templates() if STYLE_ELEMENT.search(_source(path))]
    assert offenders == []


def test_it_has_no_inline_event_handlers_in_templates():
    offenders = [_relative(path) for path in _page_templates() if EVENT_HANDLER.search(_source(path))]
    assert offenders == []


def test_it_catches_an_inline_script_and_a_style_attribute():
    source = '<script src="/static/a.js"></script><script>alert(1)</script><p style="color: red">'
    assert [match["body"] for match in SCRIPT.finditer(source) if "src=" not in match["attributes"]] == ["alert(1)"]
    assert STYLE_ATTRIBUTE.search(source)
