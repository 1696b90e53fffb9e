"""Text a patient writes is shown as text: escaped on staff and portal pages, never marked safe in templates."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from disputes import services as dispute_services
from invoices.models import Invoice
from patient_collections.selectors import AgingRow
from patient_collections.templatetags.aging_rows import aging_rows
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

ATTACK = '<script>alert("x")</script><img src="file:///etc/passwd" onerror="alert(1)">'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=&quot;file:///etc/passwd&quot;"

# Templates and code that may mark markup safe, and why. Anything else that does fails the scan below.
ALLOWED_SAFE_MARKUP = {
    # segno's SVG of the two-factor set-up QR code: built by us from the TOTP URI, no patient text in it.
    "templates/mfa/staff/set_up.html",
    "templates/mfa/portal/set_up.html",
    # The staff menu: a template's own (escaped) output, kept per language and permission set.
    "clinic_billing/context_processors.py",
    # A complaint's deadline: our own translations around a localised number.
    "disputes/templatetags/deadlines.py",
    # Row tags that write table rows in Python: every value goes through html.escape (tests below).
    "patient_collections/templatetags/aging_rows.py",
    "frontdesk/templatetags/worklist_rows.py",
}
UNSAFE_MARKERS = re.compile(r"\|\s*safe\b|{%\s*autoescape\s+off|mark_safe\(|SafeString\(|\|\s*safeseq\b")
APP_DIRS = [
    "templates",
    "clinic_billing",
    "patients",
    "catalogue",
    "invoices",
    "disputes",
    "patient_collections",
    "payments_in",
    "online_payments",
    "portal",
    "frontdesk",
    "compliance",
    "api",
    "operations",
    "integration_events",
    "mfa",
]


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


def test_the_aging_rows_show_a_patients_name_as_text():
    row = AgingRow(patient_id=7, name=ATTACK, amounts=(Decimal("1.00"),) * 6, total=Decimal("6.00"))
    html = aging_rows([row])
    assert ESCAPED in html
    assert ATTACK not in html


def test_the_worklists_overdue_rows_show_a_patients_name_as_text(patient, front_desk, client_for):
    patient.name = ATTACK
    patient.save(update_fields=["name"])
    invoice = issued_invoice(patient)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=40))
    page = client_for(front_desk).get(reverse("frontdesk:home"))
    html = page.content.decode()
    assert page.status_code == 200
    assert invoice.number in html
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
