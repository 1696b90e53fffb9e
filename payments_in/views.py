"""Billing's bank file pages: import a file, read its report, work the reconciliation queue."""

from collections.abc import Callable

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.csv_safety import spreadsheet_writer
from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only
from invoices.models import Invoice

from . import selectors, services
from .forms import BankFileUploadForm, MatchForm, ReasonForm, SplitForm
from .models import BankFile, BankTransaction

IMPORT = "payments_in.import_bank_file"
PAGE_SIZE = 50


def _invoice_id(number: str) -> int:
    invoice_id = Invoice.objects.filter(number=number.strip()).values_list("pk", flat=True).first()
    if invoice_id is None:
        raise ApplicationError(_("No invoice has the number %(number)s.") % {"number": number.strip()}, field="invoice")
    return invoice_id


@staff_only
def bank_file_list(request: StaffRequest) -> HttpResponse:
    require_perm(request, IMPORT)
    form = BankFileUploadForm()
    if request.method == "POST":
        form = BankFileUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                bank_file = services.bank_file_import(
                    content=upload.read(), filename=upload.name, source=BankFile.Source.UPLOAD, by=request.user
                )
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                if bank_file.status == BankFile.Status.REFUSED:
                    messages.error(request, _("The file was refused; nothing of it was imported."))
                else:
                    report = _("Imported: %(posted)s posted, %(queued)s in the queue, %(duplicates)s already imported.")
                    messages.success(
                        request,
                        report
                        % {
                            "posted": bank_file.posted_count,
                            "queued": bank_file.queued_count,
                            "duplicates": bank_file.duplicate_count,
                        },
                    )
                return redirect("bankfiles:bank-file-detail", bank_file_id=bank_file.pk)
    page = Paginator(selectors.bank_files(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "files": list(page), "queued": selectors.queued_transactions().count()}
    return render(request, "staff/bankfiles/list.html", context, status=400 if form.errors else 200)


def _bank_file(bank_file_id: int) -> BankFile:
    bank_file = selectors.bank_files().filter(pk=bank_file_id).first()
    if bank_file is None:
        raise Http404
    return bank_file


@staff_only
@require_GET
def bank_file_detail(request: StaffRequest, bank_file_id: int) -> HttpResponse:
    require_perm(request, IMPORT)
    bank_file = _bank_file(bank_file_id)
    page = Paginator(selectors.bank_file_transactions(bank_file_id=bank_file.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    log_bulk_reads(row.invoice for row in page if row.invoice is not None)
    context = {"bank_file": bank_file, "page": page, "transactions": list(page)}
    return render(request, "staff/bankfiles/detail.html", context)


@staff_only
@require_GET
def bank_file_report(request: StaffRequest, bank_file_id: int) -> HttpResponse:
    """The import report as CSV: the totals, then one row per transaction with what became of it."""
    require_perm(request, IMPORT)
    bank_file = _bank_file(bank_file_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"import-report-{bank_file.pk}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    writer = spreadsheet_writer(response)
    writer.writerow([_("File"), bank_file.filename, _("Format"), bank_file.get_format_display()])
    for label, count, total in (
        (_("Transactions"), bank_file.transaction_count, bank_file.transaction_sum),
        (pgettext("number of transactions", "Posted"), bank_file.posted_count, bank_file.posted_sum),
        (_("Waiting in the queue"), bank_file.queued_count, bank_file.queued_sum),
        (_("Already imported"), bank_file.duplicate_count, bank_file.duplicate_sum),
    ):
        writer.writerow([label, count, total])
    writer.writerow([])
    headings = [_("Line"), _("Transaction id"), _("Booked on"), _("Amount"), _("Reference"), _("Status")]
    writer.writerow([*headings, _("Reason"), _("Invoice")])
    rows = list(selectors.bank_file_transactions(bank_file_id=bank_file.pk))
    log_bulk_reads(row.invoice for row in rows if row.invoice is not None)
    for row in rows:
        writer.writerow(
            [
                row.line or "",
                row.transaction_id,
                row.booked_on.isoformat(),
                row.amount,
                row.reference,
                row.get_status_display(),
                row.get_queue_reason_display(),
                row.invoice.number if row.invoice else "",
            ]
        )
    return response


@staff_only
@require_GET
def reconciliation_queue(request: StaffRequest) -> HttpResponse:
    require_perm(request, IMPORT)
    page = Paginator(selectors.queued_transactions(), PAGE_SIZE).get_page(request.GET.get("page"))
    log_bulk_reads(row.invoice for row in page if row.invoice is not None)
    return render(request, "staff/bankfiles/queue.html", {"page": page, "transactions": list(page)})


def _detail_url(row: BankTransaction) -> str:
    return reverse("bankfiles:transaction-detail", kwargs={"transaction_pk": row.pk})


def _transaction(transaction_pk: int) -> BankTransaction:
    row = selectors.transaction_detail(transaction_pk=transaction_pk)
    if row is None:
        raise Http404
    return row


@staff_only
@require_GET
def transaction_detail(request: StaffRequest, transaction_pk: int) -> HttpResponse:
    require_perm(request, IMPORT)
    return _transaction_page(request, _transaction(transaction_pk))


def _transaction_page(
    request: StaffRequest, row: BankTransaction, *, status: int = 200, **forms: object
) -> HttpResponse:
    suggestions = selectors.suggestions_for(row) if row.status == BankTransaction.Status.QUEUED else []
    log_bulk_reads([*(s.invoice for s in suggestions), *([row.invoice] if row.invoice else [])])
    if row.invoice is not None:
        accessed.send(sender=Invoice, instance=row.invoice)
    context = {
        "row": row,
        "suggestions": suggestions,
        "match_form": forms.get("match_form") or MatchForm(),
        "split_form": forms.get("split_form") or SplitForm(),
        "refund_form": forms.get("refund_form") or ReasonForm(prefix="refund"),
        "undo_form": forms.get("undo_form") or ReasonForm(prefix="undo"),
    }
    return render(request, "staff/bankfiles/transaction.html", context, status=status)


@staff_only
@require_POST
def transaction_match(request: StaffRequest, transaction_pk: int) -> HttpResponse:
    require_perm(request, IMPORT)
    row = _transaction(transaction_pk)
    form = MatchForm(request.POST)
    if form.is_valid():
        try:
            services.transaction_match(
                transaction_pk=row.pk,
                invoice_id=_invoice_id(form.cleaned_data["invoice_number"]),
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, _("Matched and posted."))
            return redirect("bankfiles:transaction-detail", transaction_pk=row.pk)
    return _transaction_page(request, row, status=400, match_form=form)


@staff_only
@require_POST
def transaction_split(request: StaffRequest, transaction_pk: int) -> HttpResponse:
    require_perm(request, IMPORT)
    row = _transaction(transaction_pk)
    form = SplitForm(request.POST)
    if form.is_valid():
        try:
            parts = [(_invoice_id(number), amount) for number, amount in form.parts()]
            services.transaction_split(
                transaction_pk=row.pk, parts=parts, by=request.user, note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Split and posted."))
            return redirect("bankfiles:transaction-detail", transaction_pk=row.pk)
    return _transaction_page(request, row, status=400, split_form=form)


def _with_reason(
    request: StaffRequest, transaction_pk: int, *, prefix: str, decide: Callable[[BankTransaction, str], str]
) -> HttpResponse:
    """A decision on a payment that needs only a reason: run it (it returns the success message) or show why not."""
    require_perm(request, IMPORT)
    row = _transaction(transaction_pk)
    form = ReasonForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _transaction_page(request, row, status=400, **{f"{prefix}_form": form})
    return run_staff_action(
        request, perm=IMPORT, action=lambda: decide(row, form.cleaned_data["reason"]), then=_detail_url(row)
    )


@staff_only
@require_POST
def transaction_mark_refund(request: StaffRequest, transaction_pk: int) -> HttpResponse:
    def mark(row: BankTransaction, reason: str) -> str:
        services.transaction_mark_refund(transaction_pk=row.pk, by=request.user, note=reason)
        return _("Marked for refund to the payer.")

    return _with_reason(request, transaction_pk, prefix="refund", decide=mark)


@staff_only
@require_POST
def transaction_undo(request: StaffRequest, transaction_pk: int) -> HttpResponse:
    def undo(row: BankTransaction, reason: str) -> str:
        services.transaction_undo(transaction_pk=row.pk, by=request.user, reason=reason)
        return _("Undone: the posting is reversed and the payment waits in the queue again.")

    return _with_reason(request, transaction_pk, prefix="undo", decide=undo)
