"""A server without WeasyPrint's system libraries (Pango): every page but the PDFs, a clear 503 for those.

The missing library is simulated where it fails for real: cffi's dlopen raises OSError for Pango, and
WeasyPrint is imported afresh, so `import weasyprint` raises the OSError a slim Debian image gives.
"""

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import cffi
import pytest
from django.core import checks
from django.urls import reverse

from clinic_billing import system_libraries
from clinic_billing.exceptions import PdfUnavailable
from invoices import pdf
from invoices.checks import PDF_UNAVAILABLE, check_pdf_libraries
from portal.estimates import EstimateRequest, estimable_services, good_faith_estimate_issue
from tests.factories import issued_invoice

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEBIAN = {"ID": "debian"}
DEBIAN_COMMAND = f"apt-get install {system_libraries.DEBIAN_PACKAGES}"

# Put first on PYTHONPATH, this makes a whole Python process (manage.py check) see a machine without Pango.
HIDE_PANGO = textwrap.dedent(
    """
    import cffi

    real_dlopen = cffi.FFI.dlopen

    def dlopen(self, name, *args, **kwargs):
        if "pango" in str(name):
            raise OSError(f"cannot load library {name!r}: cannot open shared object file: No such file or directory")
        return real_dlopen(self, name, *args, **kwargs)

    cffi.FFI.dlopen = dlopen
    """
)


@pytest.fixture
def without_pango(monkeypatch):
    """WeasyPrint as it behaves without Pango: importing it raises OSError (and prints its links to stdout)."""
    real_dlopen = cffi.FFI.dlopen

    def dlopen(self, name, *args, **kwargs):
        if "pango" in str(name):
            raise OSError(f"cannot load library {name!r}: cannot open shared object file: No such file or directory")
        return real_dlopen(self, name, *args, **kwargs)

    monkeypatch.setattr(cffi.FFI, "dlopen", dlopen)
    # The machine is a Debian one whatever runs the test, so the expected command is known.
    monkeypatch.setattr(system_libraries, "read_os_release", lambda path="/etc/os-release": DEBIAN)
    monkeypatch.setattr(system_libraries.os, "geteuid", lambda: 0)
    loaded = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "weasyprint"}
    for name in loaded:
        del sys.modules[name]
    yield
    for name in [name for name in sys.modules if name.split(".")[0] == "weasyprint"]:
        del sys.modules[name]
    sys.modules.update(loaded)


@pytest.fixture
def staff_client(billing, client_for):
    return client_for(billing)


def test_it_raises_pdf_unavailable_naming_the_install_command(without_pango, capsys):
    with pytest.raises(PdfUnavailable) as raised:
        pdf.pdf_document("<p>Hello</p>")

    assert raised.value.status_code == 503
    assert raised.value.message == (
        "PDFs cannot be made on this server: the system libraries WeasyPrint needs (Pango) are missing. "
        f"Install them with: {DEBIAN_COMMAND}"
    )
    # WeasyPrint's own troubleshooting print does not reach the console.
    assert capsys.readouterr().out == ""


@pytest.mark.django_db
def test_it_refuses_every_kind_of_pdf_the_same_way(without_pango, patient):
    invoice = issued_invoice(patient)
    service = estimable_services()[0]
    asked = EstimateRequest(
        patient_name="Kari Nordmann", date_of_birth=date(1980, 5, 17), items=((service, 1),), primary=service
    )

    with pytest.raises(PdfUnavailable):
        pdf.invoice_pdf_bytes(invoice)
    with pytest.raises(PdfUnavailable):
        good_faith_estimate_issue(request=asked)


@pytest.mark.django_db
def test_it_serves_the_invoice_page_and_a_503_page_for_its_pdf(without_pango, staff_client, patient):
    invoice = issued_invoice(patient)

    page = staff_client.get(reverse("frontdesk:invoice-detail", args=[invoice.pk]))
    document = staff_client.get(reverse("invoices:invoice-pdf", args=[invoice.pk]))

    assert page.status_code == 200
    assert document.status_code == 503
    assert document["Content-Type"].startswith("text/html")
    assert "PDF not available" in document.content.decode()
    assert DEBIAN_COMMAND in document.content.decode()


@pytest.mark.django_db
def test_it_shows_the_staff_page_in_the_readers_language(without_pango, staff_client, patient):
    invoice = issued_invoice(patient)

    document = staff_client.get(reverse("invoices:invoice-pdf", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="fr")

    assert document.status_code == 503
    assert "PDF indisponible" in document.content.decode()
    assert f"Installez-les avec\u00a0: {DEBIAN_COMMAND}" in document.content.decode()


@pytest.mark.django_db
def test_it_tells_a_patient_in_their_language_without_server_details(without_pango, patient, client_for):
    invoice = issued_invoice(patient)
    client = client_for(patient.user)

    bills = client.get(reverse("portal:portal-bills", kwargs={"patient_id": patient.pk}))
    document = client.get(
        reverse("portal:portal-bill-pdf", kwargs={"patient_id": patient.pk, "invoice_id": invoice.pk})
    )

    assert bills.status_code == 200
    assert document.status_code == 503
    assert patient.language == "nb"
    assert "Dokumentet kan ikke lages akkurat nå" in document.content.decode()
    assert "apt-get" not in document.content.decode()


@pytest.mark.django_db
def test_it_answers_the_api_with_json_and_503(without_pango, patient, provider, client_for):
    invoice = issued_invoice(patient)
    client = client_for(provider)

    detail = client.get(f"/api/v1/invoices/{invoice.pk}/")
    document = client.get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert detail.status_code == 200
    assert document.status_code == 503
    assert document["Content-Type"] == "application/json"
    assert DEBIAN_COMMAND in document.json()["detail"]


def test_it_warns_in_the_system_check_with_the_install_hint(without_pango):
    [warning] = check_pdf_libraries()

    assert isinstance(warning, checks.Warning)
    assert warning.id == PDF_UNAVAILABLE
    assert warning.hint == f"Install them with: {DEBIAN_COMMAND}"


def test_it_has_no_warning_when_weasyprint_loads():
    assert check_pdf_libraries() == []


def test_it_starts_without_pango_and_manage_py_check_warns_without_a_traceback(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(HIDE_PANGO)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT_ROOT)])}

    # `check` imports the URLconf, and through it every view and PDF module.
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"({PDF_UNAVAILABLE}) WeasyPrint cannot load its system libraries" in result.stderr
    assert f"HINT: {system_libraries.install_hint()}" in result.stderr
