"""`manage.py check` (and so `runserver`) warns when no PDF can be made here, with the install command."""

from typing import Any

from django.core import checks

from clinic_billing import system_libraries

PDF_UNAVAILABLE = "invoices.W001"


def check_pdf_libraries(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A warning, not an error: without PDFs the app still serves every other page."""
    from invoices.pdf import import_weasyprint

    try:
        import_weasyprint()
    except (OSError, ImportError):
        return [
            checks.Warning(
                "WeasyPrint cannot load its system libraries (Pango and its companions): "
                "invoices, letters and estimates cannot be made as PDF.",
                hint=system_libraries.install_hint(),
                id=PDF_UNAVAILABLE,
            )
        ]
    return []
