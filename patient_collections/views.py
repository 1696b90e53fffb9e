"""Staff screens for collections: the follow-up calls worklist, where recording an outcome takes one click."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.exceptions import ApplicationError, NotFound
from disputes import selectors, services
from patients.roles import StaffRequest, require_perm, staff_only

from .models import FollowUpCall

PAGE_SIZE = 25


def end_of_today() -> datetime:
    """Midnight at the end of today in the clinic's time zone: a call due before it is due today."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min))


def calls_due_today() -> QuerySet[FollowUpCall]:
    return selectors.follow_up_calls_due().filter(due_at__lt=end_of_today())


@staff_only
@require_GET
def call_list(request: StaffRequest) -> HttpResponse:
    require_perm(request, "patient_collections.view_followupcall")
    page = Paginator(selectors.follow_up_calls_due(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "calls": list(page), "due_before": end_of_today(), "now": timezone.now()}
    return render(request, "staff/collections/call_list.html", context)


@staff_only
@require_POST
def call_outcome(request: StaffRequest, call_id: int) -> HttpResponse:
    """Record one attempt. htmx gets the row back, recorded (or rescheduled after no answer)."""
    require_perm(request, "patient_collections.change_followupcall")
    outcome = request.POST.get("outcome", "")
    error = recorded = ""
    try:
        call = services.follow_up_call_record_outcome(
            call_id=call_id, outcome=outcome, note=request.POST.get("note", ""), by=request.user
        )
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        error = exc.message
    else:
        recorded = _("Call recorded: %(outcome)s.") % {"outcome": call.get_outcome_display()}
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, recorded)
        return redirect("call-list")
    call = get_object_or_404(FollowUpCall.objects.select_related("patient", "invoice", "complaint"), pk=call_id)
    context = {
        "call": call,
        "error": error,
        "recorded": recorded,
        "due_before": end_of_today(),
        "now": timezone.now(),
    }
    response = render(request, "staff/collections/_call_row.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
