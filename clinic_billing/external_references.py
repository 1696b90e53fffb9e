"""The source system's own id of a record (`external_reference`, unique per `external_source`) and a small
`metadata` map of strings, as an integration sends them with a patient or an invoice (issue 19, item 2).

Plain values in, plain values out: the apps that store them validate here, so the limits are the same on
every record that takes them.
"""

from typing import Any

from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError

SOURCE_MAX_LENGTH = 50
REFERENCE_MAX_LENGTH = 100
METADATA_MAX_KEYS = 20
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500
DUPLICATE_REFERENCE = "duplicate_external_reference"


def external_reference_clean(*, source: str, reference: str) -> tuple[str, str]:
    """The source and reference stripped; a source without a reference is refused."""
    source, reference = source.strip(), reference.strip()
    if len(source) > SOURCE_MAX_LENGTH:
        raise ApplicationError(
            _("The external source can be at most %(max)s characters.") % {"max": SOURCE_MAX_LENGTH},
            field="external_source",
        )
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise ApplicationError(
            _("The external reference can be at most %(max)s characters.") % {"max": REFERENCE_MAX_LENGTH},
            field="external_reference",
        )
    if source and not reference:
        raise ApplicationError(
            _("An external source needs the external reference it gave the record."), field="external_reference"
        )
    return source, reference


def metadata_clean(metadata: dict[str, Any] | None) -> dict[str, str]:
    """Up to METADATA_MAX_KEYS string keys with string values, each within its length limit."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ApplicationError(_("Metadata is a map of text keys to text values."), field="metadata")
    if len(metadata) > METADATA_MAX_KEYS:
        raise ApplicationError(
            _("Metadata can hold at most %(max)s keys.") % {"max": METADATA_MAX_KEYS}, field="metadata"
        )
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ApplicationError(_("Metadata is a map of text keys to text values."), field="metadata")
        if not key.strip() or len(key) > METADATA_KEY_MAX_LENGTH:
            raise ApplicationError(
                _("Each metadata key is 1 to %(max)s characters.") % {"max": METADATA_KEY_MAX_LENGTH},
                field="metadata",
            )
        if len(value) > METADATA_VALUE_MAX_LENGTH:
            raise ApplicationError(
                _("Each metadata value can be at most %(max)s characters.") % {"max": METADATA_VALUE_MAX_LENGTH},
                field="metadata",
            )
    return dict(metadata)
