"""A PDF asked for on a server without WeasyPrint's system libraries: a clear page or JSON, never a 500.

Every PDF of the app goes through `invoices.pdf.pdf_document`, which raises PdfUnavailable there. The API's
views already turn it into `{"detail": ...}` with 503 (it is an ApplicationError); this middleware does the
same for the pages: staff read what is missing and the command that installs it, patients read that the
document cannot be made just now (server details are not theirs to act on). Both in the reader's language,
which the locale and portal middleware have already activated.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from clinic_billing.exceptions import PdfUnavailable


class PdfUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PdfUnavailable):
            return None
        status = PdfUnavailable.status_code
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": exception.message}, status=status)
        if request.path.startswith("/portal/"):
            return render(request, "portal/pdf_unavailable.html", status=status)
        return render(request, "staff/pdf_unavailable.html", {"message": exception.message}, status=status)
