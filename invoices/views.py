"""Staff actions on one invoice: its PDF, a credit note's PDF, issuing, insurance settled. The pages that show
an invoice with its complaint and collections are the front desk's (frontdesk/views/invoices.py)."""

from collections.abc import Callable

from auditlog.signals import accessed
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only
from invoices.pdf import credit_note_pdf_bytes, invoice_pdf_bytes

from . import selectors, services
from .models import Invoice
from .templatetags.money import local_date


def get_invoice_for_user(request: StaffRequest, invoice_id: int) -> Invoice:
    require_perm(request, "invoices.view_invoice")
    invoice = selectors.invoice_detail(invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    return invoice


@staff_only
@require_GET
def pdf(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_user(request, invoice_id)
    accessed.send(sender=Invoice, instance=invoice)
    filename = f"invoice-{invoice.number or f'draft-{invoice.pk}'}.pdf"
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    return response


@staff_only
@require_GET
def credit_note_pdf(request: StaffRequest, credit_note_id: int) -> HttpResponse:
    """A credit note as the patient receives it; reading it is a read of the invoice it credits."""
    require_perm(request, "invoices.view_invoice")
    credit_note = selectors.credit_note_detail(credit_note_id=credit_note_id)
    if credit_note is None:
        raise Http404
    accessed.send(sender=Invoice, instance=credit_note.invoice)
    filename = f"credit-note-{credit_note.number}.pdf"
    response = HttpResponse(credit_note_pdf_bytes(credit_note), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    return response


def _invoice_action(request: StaffRequest, invoice_id: int, perm: str, action: Callable[[], str]) -> HttpResponse:
    """Run one POST-only state change and report its outcome as a message on the invoice page."""
    then = reverse("frontdesk:invoice-detail", kwargs={"invoice_id": invoice_id})
    return run_staff_action(request, perm=perm, action=action, then=then)


@staff_only
@require_POST
def issue(request: StaffRequest, invoice_id: int) -> HttpResponse:
    def run() -> str:
        invoice = services.invoice_issue(invoice_id=invoice_id, by=request.user)
        return _("Invoice %(number)s issued, due %(due_date)s.") % {
            "number": invoice.number,
            "due_date": local_date(invoice.due_date),
        }

    return _invoice_action(request, invoice_id, "invoices.issue_invoice", run)


@staff_only
@require_POST
def insurance_settled(request: StaffRequest, invoice_id: int) -> HttpResponse:
    def run() -> str:
        services.invoice_mark_insurance_settled(invoice_id=invoice_id, by=request.user)
        return _("Insurance marked as settled: what the insurer paid stands, the rest is the patient's.")

    return _invoice_action(request, invoice_id, "invoices.settle_insurance", run)
