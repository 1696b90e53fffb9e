"""Staff screens for collections, one module per area: the follow-up calls worklist (calls), payment plans and
deferrals from the invoice page (arrangements), notices and the day's print batch (reminders), the reminder
schedule (schedule), collection cases (cases) and the aging report (aging); patient_collections/urls.py routes
to them. What several areas share is here."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

PAGE_SIZE = 25
VIEW_CASE = "patient_collections.view_collectioncase"
VIEW_REMINDER = "patient_collections.view_reminder"


def pdf_response(content: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=as_attachment, filename=filename) or ""
    return response
