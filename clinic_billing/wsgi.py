import contextlib
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_billing.settings")
application = get_wsgi_application()

# The PDF modules import WeasyPrint only when a PDF is made (so the app runs without its system libraries).
# A served process loads it now instead, once, before gunicorn forks its workers (preload_app), rather than
# in each worker's first PDF request; where it cannot load, PDFs answer 503 and the reason is logged here.
from clinic_billing.exceptions import PdfUnavailable  # noqa: E402
from invoices.pdf import weasyprint_module  # noqa: E402

with contextlib.suppress(PdfUnavailable):
    weasyprint_module()
