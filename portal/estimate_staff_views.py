"""Staff finding the good-faith estimates the clinic keeps, under /portal/manage/estimates/ (billing and the office
manager: permission portal.view_goodfaithestimate).

An estimate names a patient, so every list shown and every PDF downloaded leaves an audit ACCESS row.
"""

from auditlog.signals import accessed
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from clinic_billing.audited import log_bulk_reads
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from portal.estimates import good_faith_estimates_search
from portal.models import GoodFaithEstimate

PERMISSION = "portal.view_goodfaithestimate"
PAGE_SIZE = 50


@require_GET
@staff_only
def estimate_list(request: StaffRequest) -> HttpResponse:
    """The kept estimates, newest first; `q` finds one by its number or the patient's name."""
    require_perm(request, PERMISSION)
    query = request.GET.get("q", "").strip()
    page = Paginator(good_faith_estimates_search(query), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page)
    log_bulk_reads([*shown, *(estimate.patient for estimate in shown if estimate.patient)])
    return render(request, "staff/estimates/list.html", {"page": page, "estimates": shown, "query": query})


@require_GET
@staff_only
def estimate_pdf(request: StaffRequest, estimate_id: int) -> HttpResponse:
    """The PDF exactly as the patient received it."""
    require_perm(request, PERMISSION)
    estimate = get_object_or_404(GoodFaithEstimate, pk=estimate_id)
    accessed.send(sender=GoodFaithEstimate, instance=estimate)
    response = HttpResponse(bytes(estimate.pdf), content_type="application/pdf")
    filename = f"good-faith-estimate-{estimate.number}.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response


urlpatterns = [
    path("manage/estimates/", estimate_list, name="estimate-list"),
    path("manage/estimates/<int:estimate_id>.pdf", estimate_pdf, name="estimate-pdf"),
]
