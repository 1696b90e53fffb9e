"""Notices: staff settling one whose outcome is unknown, one notice as a letter, and the day's print batch."""

from urllib.parse import urlencode

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, run_staff_action, staff_only
from invoices.models import Invoice

from .. import letters, permissions
from .. import services as collection_services
from ..forms import DayForm
from ..models import Reminder
from . import VIEW_REMINDER, pdf_response


@staff_only
@require_POST
def reminder_confirm_sent(request: StaffRequest, reminder_id: int) -> HttpResponse:
    """A notice whose outcome was unknown did reach the patient (the mail log, the SMS provider's report)."""

    def confirm() -> str:
        collection_services.reminder_confirm_sent(reminder_id=reminder_id, by=request.user)
        return _("The notice is recorded as sent.")

    return run_staff_action(
        request, perm=permissions.SETTLE_NOTICE_PERMISSION, action=confirm, then="collections:call-list"
    )


@staff_only
@require_POST
def reminder_resend(request: StaffRequest, reminder_id: int) -> HttpResponse:
    """A notice whose outcome was unknown did not reach the patient: send it again."""

    def resend() -> str:
        collection_services.reminder_resend(reminder_id=reminder_id, by=request.user)
        return _("The notice will be sent again.")

    return run_staff_action(
        request, perm=permissions.SETTLE_NOTICE_PERMISSION, action=resend, then="collections:call-list"
    )


@staff_only
@require_GET
def reminder_letter(request: StaffRequest, reminder_id: int) -> HttpResponse:
    """One notice as the letter the patient got (or gets), in the patient's language."""
    require_perm(request, "patient_collections.view_reminder")
    reminder = get_object_or_404(Reminder.objects.select_related("invoice"), pk=reminder_id)
    accessed.send(sender=Invoice, instance=reminder.invoice)
    filename = f"notice-{reminder.invoice.number or reminder.invoice_id}-step-{reminder.step}.pdf"
    try:
        content = letters.notice_letter_pdf(reminder)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("frontdesk:invoice-detail", invoice_id=reminder.invoice_id)
    return pdf_response(content, filename)


# --- The day's print batch ------------------------------------------------------------------------------


@staff_only
@require_GET
def print_batch(request: StaffRequest) -> HttpResponse:
    """The letters waiting for print (today's batch makes them), and those printed on a day (default today), to
    print and post; a malformed day is a form error."""
    require_perm(request, VIEW_REMINDER)
    form = DayForm.from_query(request.GET)
    day = form.cleaned_data["day"] if form.is_valid() else None
    # The page lists letters; their lines are only needed for the PDF.
    reminders = list(letters.letter_reminders_sent_on(day).prefetch_related(None)) if day else []
    # Every waiting letter is listed, whatever day was asked for, so none is forgotten.
    waiting = list(letters.letter_reminders_to_print().prefetch_related(None))
    log_bulk_reads(reminder.invoice for reminder in [*waiting, *reminders])
    return render(
        request,
        "staff/collections/print_batch.html",
        {
            "form": form,
            "day": day,
            "reminders": reminders,
            "waiting": waiting,
            "today": timezone.localdate(),
            "may_print": permissions.print_batch_refusal(request.user) is None,
        },
        status=200 if day else 400,
    )


@staff_only
@require_GET
def print_batch_pdf(request: StaffRequest) -> HttpResponse:
    require_perm(request, VIEW_REMINDER)
    form = DayForm.from_query(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('collections:print-batch')}?{urlencode({'day': request.GET.get('day', '')})}")
    day = form.cleaned_data["day"]
    content = letters.print_batch_pdf(day)
    if content is None:
        messages.info(request, _("No letters were sent that day."))
        return redirect(f"{reverse('collections:print-batch')}?{urlencode({'day': day.isoformat()})}")
    # The batch shows every letter's patient and invoice: one audit row per invoice, as for a single letter.
    log_bulk_reads(Invoice.objects.filter(pk__in=letters.letter_reminders_sent_on(day).values("invoice_id")))
    return pdf_response(content, f"letters-{day.isoformat()}.pdf", as_attachment=True)


@staff_only
@require_POST
def print_batch_record(request: StaffRequest) -> HttpResponse:
    """Staff print today's batch: every letter waiting is recorded sent now, with its fee and a deadline from
    today (a letter whose claim was paid or put on hold meanwhile is skipped), then today's PDF downloads."""
    if permissions.print_batch_refusal(request.user) is not None:
        raise PermissionDenied
    recorded = collection_services.reminders_record_printed(now=timezone.now(), by=request.user)
    today = timezone.localdate()
    if not recorded:
        messages.info(request, _("No letters were waiting to be printed."))
        return redirect(f"{reverse('collections:print-batch')}?{urlencode({'day': today.isoformat()})}")
    return redirect(f"{reverse('collections:print-batch-pdf')}?{urlencode({'day': today.isoformat()})}")
