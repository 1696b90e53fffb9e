"""Text a patient writes is shown as text: escaped on staff and portal pages, never marked safe in templates."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from disputes import services as dispute_services
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

ATTACK = '<script>alert("x")</script><img src="file:///etc/passwd" onerror="alert(1)">'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=&quot;file:///etc/passwd&quot;"

# Templates and code that may mark markup safe, and why. Anything else that does fails the scan below.
ALLOWED_SAFE_MARKUP = {
    # segno's SVG of the two-factor set-up QR code: built by us from the TOTP URI, no patient text in it.
    "templates/mfa/staff/set_up.html",
    "templates/mfa/portal/set_up.html",
}
UNSAFE_MARKERS = re.compile(r"\|\s*safe\b|{%\s*autoescape\s+off|mark_safe\(|SafeString\(|\|\s*safeseq\b")
APP_DIRS = ["templates", "clinic_billing", "patients", "invoices", "disputes", "patient_collections", "portal", "mfa"]


@pytest.fixture
def complaint(patient, front_desk):
    patient.language = "en"
    patient.save(update_fields=["language"])
    return dispute_services.complaint_file(
        patient_id=patient.pk,
        invoice_id=issued_invoice(patient).pk,
        line_ids=[],
        channel="portal",
        category="billing_error",
        description=ATTACK,
        by=patient.user,
    )


def test_the_staff_complaint_page_shows_the_patients_words_as_text(complaint, front_desk, client_for):
    page = client_for(front_desk).get(reverse("disputes:complaint-detail", kwargs={"complaint_id": complaint.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert ESCAPED in html
    assert ATTACK not in html


def test_the_portal_complaint_page_shows_the_patients_words_as_text(complaint, patient, client_for):
    page = client_for(patient.user).get(
        reverse("portal:portal-complaint", kwargs={"patient_id": patient.pk, "complaint_id": complaint.pk})
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert ESCAPED in html
    assert ATTACK not in html


def _sources() -> list[Path]:
    base = Path(settings.BASE_DIR)
    files: list[Path] = []
    for folder in APP_DIRS:
        root = base / folder
        if root.exists():
            # .txt templates are plain-text e-mails and SMS: autoescape is off there on purpose (no HTML).
            files += [path for path in root.rglob("*") if path.suffix in {".html", ".py"}]
    return sorted(path for path in files if "migrations" not in path.parts)


def test_nothing_marks_markup_safe_outside_the_allowed_list():
    base = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(base))
        for path in _sources()
        if UNSAFE_MARKERS.search(path.read_text(encoding="utf-8"))
        and str(path.relative_to(base)) not in ALLOWED_SAFE_MARKUP
    ]
    assert offenders == []


def test_the_scan_would_catch_a_safe_filter_and_mark_safe():
    assert UNSAFE_MARKERS.search("{{ complaint.description|safe }}")
    assert UNSAFE_MARKERS.search("{% autoescape off %}{{ x }}{% endautoescape %}")
    assert UNSAFE_MARKERS.search("return mark_safe(text)")
    assert not UNSAFE_MARKERS.search("{{ complaint.description }}")
