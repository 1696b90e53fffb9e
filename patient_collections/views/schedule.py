"""The reminder schedule: its steps and the fees they name, and the office manager's edit."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import StaffRequest, require_perm, staff_only

from .. import schedule
from .. import services as collection_services
from ..forms import step_formset
from ..models import FeeRate, ReminderStep
from ..services.schedule import EDIT_SCHEDULE, ScheduleInvalid, schedule_replace


def _schedule_context() -> dict[str, object]:
    jurisdiction = str(settings.BILLING_JURISDICTION)
    today = timezone.localdate()
    limits = schedule.LIMITS.get(jurisdiction)
    base_rate = collection_services.fee_base_rate(on=today)
    stored = list(FeeRate.objects.order_by("code", "-effective_from"))
    rates: list[object] = list(stored)
    sats = next((rate for rate in stored if rate.code == schedule.INKASSOSATS), None)
    if sats is not None:
        # The fees a step can name, as they stand today: fractions of the inkassosats row above.
        rates += [
            {
                "code": code,
                "amount": schedule.derived_fee(base_rate, numerator, denominator),
                "effective_from": sats.effective_from,
                "note": f"{numerator}/{denominator} × {schedule.INKASSOSATS}",
            }
            for code, (_rate, numerator, denominator) in sorted(schedule.DERIVED_FEES.items())
        ]
    return {
        "jurisdiction": jurisdiction,
        "limits": limits,
        "max_fee": schedule.derived_fee(base_rate, limits.max_fee_twentieths, 20) if limits else None,
        "fee_rates": rates,
    }


@staff_only
@require_GET
def schedule_detail(request: StaffRequest) -> HttpResponse:
    require_perm(request, "patient_collections.view_reminderstep")
    steps = list(ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION).order_by("number"))
    return render(request, "staff/collections/schedule_detail.html", {**_schedule_context(), "steps": steps})


@staff_only
def schedule_edit(request: StaffRequest) -> HttpResponse:
    """Edit the steps; a schedule that breaks the legal limits shows every problem and saves nothing."""
    require_perm(request, EDIT_SCHEDULE)
    problems: list[str] = []
    if request.method == "POST":
        formset = step_formset(request.POST)
        if formset.is_valid():
            try:
                schedule_replace(steps=formset.steps(), by=request.user)
            except ScheduleInvalid as exc:
                problems = exc.problems
            except ApplicationError as exc:
                problems = [exc.message]
            else:
                messages.success(request, _("The reminder schedule is saved; the next sweep uses it."))
                return redirect("collections:schedule-detail")
    else:
        steps = list(ReminderStep.objects.filter(jurisdiction=settings.BILLING_JURISDICTION).order_by("number"))
        formset = step_formset(steps=steps)
    context = {**_schedule_context(), "formset": formset, "problems": problems}
    return render(request, "staff/collections/schedule_edit.html", context)
