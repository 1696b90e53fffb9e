"""The follow-up calls worklist (with the notices whose outcome is unknown) and recording a call."""

from auditlog.signals import accessed
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.audited import log_bulk_reads
from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from patients.models import Channel

from .. import permissions
from .. import selectors as collection_selectors
from .. import services as collection_services
from ..models import FollowUpCall
from . import PAGE_SIZE, VIEW_REMINDER

# Notices with an unknown outcome shown on the worklist: a handful at most, unless the mail relay is down.
UNCERTAIN_SHOWN = 50


@staff_only
@require_GET
def call_list(request: StaffRequest) -> HttpResponse:
    require_perm(request, "patient_collections.view_followupcall")
    page = Paginator(collection_selectors.follow_up_calls_due(), PAGE_SIZE).get_page(request.GET.get("page"))
    log_bulk_reads(call.patient for call in page)
    context = {
        "page": page,
        "calls": list(page),
        "due_before": collection_selectors.end_of_today(),
        "now": timezone.now(),
        # Each notice with the buttons this user may press on it (the service asks the same functions).
        "uncertain_notices": [
            (
                notice,
                permissions.reminder_confirm_sent_refusal(request.user, notice) is None,
                permissions.reminder_resend_refusal(request.user, notice) is None,
            )
            for notice in (
                collection_selectors.reminders_outcome_unknown()[:UNCERTAIN_SHOWN]
                if request.user.has_perm(VIEW_REMINDER)
                else []
            )
        ],
    }
    return render(request, "staff/collections/call_list.html", context)


@staff_only
@require_GET
def call_request_note(request: StaffRequest, call_id: int) -> HttpResponse:
    """What the patient wrote when asking to be called, opened on purpose from the worklist (and audited).

    Kept off the worklist itself: a patient's own words may name their health, and collections screens show
    no clinical detail (minimum necessary); whoever returns the call opens the note, and the read is logged.
    """
    require_perm(request, "patient_collections.view_followupcall")
    call = get_object_or_404(FollowUpCall.objects.select_related("patient"), pk=call_id)
    accessed.send(sender=FollowUpCall, instance=call)
    return render(request, "staff/collections/call_request_note.html", {"call": call})


@staff_only
@require_POST
def call_outcome(request: StaffRequest, call_id: int) -> HttpResponse:
    """Record one attempt. htmx gets the row back, recorded (or rescheduled after no answer)."""
    require_perm(request, "patient_collections.change_followupcall")
    outcome = request.POST.get("outcome", "")
    error = recorded = ""
    try:
        call = collection_services.follow_up_call_record_outcome(
            call_id=call_id, outcome=outcome, note=request.POST.get("note", ""), by=request.user
        )
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        error = exc.message
    else:
        recorded = _("Call recorded: %(outcome)s.") % {"outcome": call.get_outcome_display()}
    return _answer(request, call_id, error=error, recorded=recorded)


@staff_only
@require_POST
def call_write_instead(request: StaffRequest, call_id: int) -> HttpResponse:
    """A patient without a phone number: send the portal message (or record the letter) instead of calling."""
    require_perm(request, "patient_collections.change_followupcall")
    error = recorded = ""
    try:
        call = collection_services.follow_up_call_write_instead(
            call_id=call_id, message=request.POST.get("message", ""), by=request.user
        )
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        error = exc.message
    else:
        recorded = (
            _("Portal message sent instead of a call.")
            if call.channel == Channel.PORTAL
            else _("Letter recorded as sent instead of a call.")
        )
    return _answer(request, call_id, error=error, recorded=recorded)


def _answer(request: StaffRequest, call_id: int, *, error: str, recorded: str) -> HttpResponse:
    """htmx gets the call's row back; a plain form goes back to the worklist with the message."""
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, recorded)
        return redirect("collections:call-list")
    call = get_object_or_404(FollowUpCall.objects.select_related("patient", "invoice", "complaint"), pk=call_id)
    context = {
        "call": call,
        "error": error,
        "recorded": recorded,
        "due_before": collection_selectors.end_of_today(),
        "now": timezone.now(),
    }
    response = render(request, "staff/collections/_call_row.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
