"""The fields an integration uses to find its own records again: the source system's id (`external_reference`,
unique per `external_source`) and a small `metadata` map, on patients and invoices (issue 19, item 2)."""

from typing import Any

from rest_framework import serializers

from api.base import TextField
from clinic_billing.external_references import (
    METADATA_KEY_MAX_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
)

METADATA_HELP = (
    f"Your own text values, kept and returned as sent: at most {METADATA_MAX_KEYS} keys of at most "
    f"{METADATA_KEY_MAX_LENGTH} characters, each value at most {METADATA_VALUE_MAX_LENGTH} characters."
)


class ExternalReferenceInput(serializers.Serializer):
    """Optional on a create: a duplicate `external_reference` of the same source answers 409 with the
    existing record's id (`existing_id`), so a retry without an idempotency key still finds its record."""

    external_source = TextField(
        max_length=SOURCE_MAX_LENGTH,
        allow_blank=True,
        default="",
        help_text="The system whose id external_reference is (e.g. the EHR's name); empty for the default one.",
    )
    external_reference = TextField(
        max_length=REFERENCE_MAX_LENGTH,
        allow_blank=True,
        default="",
        help_text="The source system's id of the record: unique per external_source.",
    )
    metadata = serializers.DictField(
        child=TextField(max_length=METADATA_VALUE_MAX_LENGTH, allow_blank=True),
        default=dict,
        help_text=METADATA_HELP,
    )


class SyncFieldsOutput(serializers.Serializer):
    """What a sync reads to match and to page a record: its external reference, metadata and timestamps."""

    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="The last change of the record itself; lists filter on it.")
    external_source = serializers.CharField()
    external_reference = serializers.CharField(help_text="The source system's id of the record; empty when none.")
    metadata = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text=METADATA_HELP)


class DuplicateOutputSerializer(serializers.Serializer):
    """The 409 of a create whose external reference is already registered."""

    class Meta:
        ref_name = "DuplicateError"

    detail = serializers.CharField()
    code = serializers.CharField(help_text="duplicate_external_reference, or idempotency_key_reused.")
    existing_id = serializers.IntegerField(
        required=False, help_text="The id of the record already registered under this external reference."
    )


def external_reference_values(data: dict[str, Any]) -> dict[str, Any]:
    """Pop the external reference fields of a validated body, as keyword arguments of the create service."""
    return {name: data.pop(name) for name in ("external_source", "external_reference", "metadata")}
