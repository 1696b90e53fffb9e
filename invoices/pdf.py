"""The invoice as a PDF, in the patient's language, and the one door to WeasyPrint for every PDF of the app.

WeasyPrint fetches every URL a document names (images, stylesheets, fonts). An invoice carries text typed
by staff and by integrations, so the stylesheet is inlined into the HTML and the fetcher refuses every URL:
nothing named in user-provided text can make the renderer read a file or call a server.

WeasyPrint loads Pango and its companions when it is imported, and raises OSError on a machine without them.
It is therefore imported here, when a PDF is made, never at module level: the URLconf imports the PDF
modules, and the app must start (and every other page work) on such a machine. There a PDF raises
PdfUnavailable, which the views, the API and `manage.py check` turn into a message naming the install command.
"""

import contextlib
import io
import logging
from datetime import date
from decimal import Decimal
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic_billing import system_libraries
from clinic_billing.exceptions import PdfUnavailable
from invoices.jurisdiction import current_profile
from invoices.line_kinds import bill_title
from invoices.models import Coverage, CreditNote, Invoice, InvoiceLine
from invoices.parties import buyer_from, seller_from
from invoices.selectors import invoice_shares
from invoices.statements import Statement, patient_statement, statement_period
from patients.models import Patient
from patients.selectors import exemption_card_held

if TYPE_CHECKING:
    from weasyprint import HTML

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")


def import_weasyprint() -> ModuleType:
    """WeasyPrint, imported now: OSError when its system libraries are missing, ImportError without WeasyPrint."""
    # On failure WeasyPrint prints its own troubleshooting links to stdout; our callers say what to do instead.
    with contextlib.redirect_stdout(io.StringIO()):
        import weasyprint
    return weasyprint


def weasyprint_module() -> ModuleType:
    """WeasyPrint, imported now; PdfUnavailable when its system libraries (or WeasyPrint itself) are missing."""
    try:
        weasyprint = import_weasyprint()
    except (OSError, ImportError) as exc:
        logger.warning("WeasyPrint cannot be loaded, so no PDF can be made: %s", exc)
        raise PdfUnavailable(pdf_unavailable_message()) from exc
    return weasyprint


def pdf_unavailable_message() -> str:
    """What is missing and the command that installs it on this machine, in the active language."""
    command = system_libraries.this_machines_install_command()
    if command is None:
        how = _("Install Pango from the system's packages, as %(guide)s describes.") % {"guide": system_libraries.GUIDE}
    else:
        how = _("Install them with: %(command)s") % {"command": command}
    return " ".join(
        [_("PDFs cannot be made on this server: the system libraries WeasyPrint needs (Pango) are missing."), how]
    )


class RefusingURLFetcher:
    """What a WeasyPrint fetcher does here: fetch nothing, neither file://, http(s)://, data: nor any scheme.

    A mixin, so that this module imports without WeasyPrint; `_weasyprint_fetcher_class` puts it in front of
    WeasyPrint's URLFetcher once WeasyPrint is loaded.
    """

    def fetch(self, url: str, headers: object = None) -> None:
        raise ValueError("The invoice PDF fetches no external resources.")


@cache
def _weasyprint_fetcher_class() -> type[Any]:
    weasyprint_module()
    from weasyprint.urls import URLFetcher

    return type("WeasyPrintRefusingURLFetcher", (RefusingURLFetcher, URLFetcher), {})


def pdf_document(html: str) -> "HTML":
    """WeasyPrint's document for `html` (call `.write_pdf()` or `.render()`), fetching no URL.

    Raises PdfUnavailable on a machine without WeasyPrint's system libraries.
    """
    weasyprint = weasyprint_module()
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_weasyprint_fetcher_class()())


def _has_exemption_card(invoice: Invoice, lines: list[InvoiceLine]) -> bool:
    if any(line.coverage == Coverage.EXEMPTION_CARD for line in lines):
        return True
    return exemption_card_held(patient_id=invoice.patient_id, on=invoice.service_date)


def invoice_html(invoice: Invoice) -> str:
    """The invoice document as HTML, in the active language."""
    lines = list(invoice.lines.all())
    shares = invoice_shares(invoice, lines=lines)
    has_patient_lines = any(line.coverage == Coverage.PATIENT for line in lines)
    booked = invoice.status in Invoice.BOOKED_STATUSES
    context = {
        "invoice": invoice,
        "bill_title": bill_title(lines, invoice.service_date),
        "issue_date": timezone.localdate(invoice.issued_at) if invoice.issued_at else None,
        # An issued invoice prints the buyer and seller it was issued to and by; a draft, today's.
        "patient": buyer_from(invoice.buyer_details, invoice.patient),
        "lines": lines,
        "shares": shares,
        "due": shares.owed if booked else None,
        "clinic": seller_from(invoice.seller_details),
        "reference_is_kid": current_profile().payment_reference_scheme == "KID",
        "is_bill": invoice.status == Invoice.Status.ISSUED,
        "credit": -shares.owed if booked and shares.owed < 0 else None,
        "explain_exemption_card": has_patient_lines and _has_exemption_card(invoice, lines),
    }
    return render_to_string("pdf/invoice.html", context)


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render the invoice as a PDF in the patient's language.

    Queries: the patient (unless already loaded), the lines (unless prefetched), the ledger summed per kind,
    whether the patient holds an exemption card, and tiers payant when a line is the insurer's — a fixed
    handful whatever the number of lines.
    """
    with translation.override(invoice.patient.language):
        html = invoice_html(invoice)
    return bytes(pdf_document(html).write_pdf())


def credit_note_html(credit_note: CreditNote) -> str:
    """The credit note document as HTML, in the active language, with its buyer and seller as issued."""
    invoice = credit_note.invoice
    context = {
        "credit_note": credit_note,
        "invoice": invoice,
        "issue_date": timezone.localdate(credit_note.issued_at),
        "invoice_date": timezone.localdate(invoice.issued_at) if invoice.issued_at else None,
        "patient": buyer_from(credit_note.buyer_details, invoice.patient),
        "clinic": seller_from(credit_note.seller_details),
        "lines": list(credit_note.lines.all()),
    }
    return render_to_string("pdf/credit_note.html", context)


def credit_note_pdf_bytes(credit_note: CreditNote) -> bytes:
    """Render the credit note as a PDF in the patient's language.

    Queries: the invoice and patient (unless already loaded) and the lines it names (unless prefetched).
    """
    with translation.override(credit_note.invoice.patient.language):
        html = credit_note_html(credit_note)
    return bytes(pdf_document(html).write_pdf())


def statement_html(statement: Statement, patient: Patient, *, today: date) -> str:
    """The statement of account as HTML, in the active language, to the patient's current address."""
    context = {
        "statement": statement,
        "patient": buyer_from({}, patient),
        "clinic": seller_from({}),
        "today": today,
    }
    return render_to_string("pdf/statement.html", context)


def statement_pdf_bytes(*, patient: Patient, start: date | None, end: date | None) -> bytes:
    """A patient's statement of account from `start` to `end` (the year up to today by default) as a PDF in the
    patient's language. ApplicationError for a period the statement refuses. Queries: the statement's three."""
    today = timezone.localdate()
    start, end = statement_period(start, end, today=today)
    statement = patient_statement(patient_id=patient.pk, start=start, end=end, today=today)
    with translation.override(patient.language):
        html = statement_html(statement, patient, today=today)
    return bytes(pdf_document(html).write_pdf())
