"""The schema a client is generated from (issue 19, item 6): one tag per resource, every refusal with a code,
and no default its own format refuses."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client_for, manager) -> dict:
    return client_for(manager).get("/api/schema/", {"format": "json"}).json()


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_it_tags_each_operation_with_its_resource(schema):
    tags = {
        path: {tag for operation in ops.values() for tag in operation["tags"]} for path, ops in schema["paths"].items()
    }

    assert tags["/api/v1/patients/"] == {"patients"}
    assert tags["/api/v1/invoices/{invoice_id}/payments/"] == {"invoices"}
    assert tags["/api/v1/complaints/{complaint_id}/close/"] == {"complaints"}
    assert len({tag for path_tags in tags.values() for tag in path_tags}) > 5


def test_every_refusal_names_its_code(schema):
    error = schema["components"]["schemas"]["Error"]

    assert {"detail", "code"} <= set(error["required"])


def test_no_field_defaults_to_a_value_its_format_refuses(schema):
    # openapi-spec-validator checks defaults against formats: "" is no email address.
    bad = [node for node in _walk(schema) if node.get("format") == "email" and node.get("default") == ""]

    assert bad == []


def test_every_operation_documents_the_401_of_a_missing_token(schema):
    missing = [
        f"{method} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "401" not in operation["responses"]
    ]

    assert missing == []
