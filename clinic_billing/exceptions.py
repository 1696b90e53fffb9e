"""The application's error family. Services raise these; views and the API turn them into messages."""


class ApplicationError(Exception):
    """A request the domain refuses. `field` names the input at fault, when there is one; `code` is a stable
    machine-readable name of the refusal (messages are translated, codes never), and `extra` carries values a
    client needs to act on it (the id of the record a duplicate matches)."""

    status_code = 400
    # The `code` of a refusal that names none of its own.
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.extra = extra or {}


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"


class InvalidTransition(ApplicationError):
    """A state change the state table does not allow (issuing twice, paying a draft, …)."""

    status_code = 409
    default_code = "invalid_transition"


class Conflict(ApplicationError):
    """The request contradicts one already recorded (an idempotency key reused with another body)."""

    status_code = 409
    default_code = "conflict"


class PdfUnavailable(ApplicationError):
    """PDFs cannot be made here: WeasyPrint's system libraries (Pango and friends) are missing.

    503, not 500: the request was fine and the server knows what is missing (the message says how to install it).
    """

    status_code = 503
    default_code = "pdf_unavailable"
