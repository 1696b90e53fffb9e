"""The aging report: what patients owe by how long it is overdue, as a page and as CSV."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from clinic_billing.audited import log_bulk_reads
from clinic_billing.database_routing import reads_reports
from clinic_billing.roles import StaffRequest, require_perm, staff_only
from patients.models import Patient

from .. import selectors as collection_selectors
from . import VIEW_CASE


@staff_only
@require_GET
@reads_reports
def aging_report(request: StaffRequest) -> HttpResponse:
    """What patients owe by how long it is overdue: totals, a chart of the same figures, the patients."""
    require_perm(request, VIEW_CASE)
    report = collection_selectors.aging_report(today=timezone.localdate())
    log_bulk_reads(Patient.objects.filter(pk__in=[row.patient_id for row in report.rows]))
    chart = {
        "labels": [str(bucket.label) for bucket in collection_selectors.AGING_BUCKETS],
        # Decimal strings: the chart reads them as numbers, and no float comes near the money.
        "values": [str(total) for total in report.totals],
    }
    return render(request, "staff/collections/aging_report.html", {"report": report, "chart": chart})


@staff_only
@require_GET
@reads_reports
def aging_report_csv(request: StaffRequest) -> HttpResponse:
    require_perm(request, VIEW_CASE)
    today = timezone.localdate()
    report = collection_selectors.aging_report(today=today)
    log_bulk_reads(Patient.objects.filter(pk__in=[row.patient_id for row in report.rows]))
    response = HttpResponse(collection_selectors.aging_report_csv(report), content_type="text/csv; charset=utf-8")
    filename = f"aging-{today.isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response
