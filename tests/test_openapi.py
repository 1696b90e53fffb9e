import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema


def _schema(client: Client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_it_serves_a_valid_schema(db):
    validate_schema(_schema(Client()))


def test_it_generates_the_schema_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/v1/invoices/{invoice_id}/payments/" in yaml.safe_load(target.read_text())["paths"]


def test_it_documents_the_contract_names(db):
    schema = _schema(Client())
    invoice = schema["components"]["schemas"]["Invoice"]["properties"]
    line = schema["components"]["schemas"]["InvoiceLine"]["properties"]

    for name in [
        "number",
        "status",
        "total",
        "insurer_share",
        "insurer_paid",
        "patient_share",
        "balance",
        "due_date",
        "payment_reference",
        "insurance_status",
        "lines",
        "open_complaint",
    ]:
        assert name in invoice
    assert {"id", "code", "description", "quantity", "unit_price", "coverage", "amount"} <= set(line)
    assert invoice["open_complaint"]["nullable"] is True
    assert "credit" in invoice["balance"]["description"]


def test_it_documents_the_idempotency_key_header(db):
    operation = _schema(Client())["paths"]["/api/v1/invoices/{invoice_id}/payments/"]["post"]

    headers = [p for p in operation["parameters"] if p["in"] == "header"]

    assert [h["name"] for h in headers] == ["Idempotency-Key"]
    assert headers[0].get("required", False) is False
    assert set(operation["responses"]) >= {"201", "409"}


def test_it_documents_the_pdf_as_binary(db):
    operation = _schema(Client())["paths"]["/api/v1/invoices/{invoice_id}/pdf/"]["get"]

    assert operation["responses"]["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }


def test_it_serves_the_interactive_docs(db):
    assert Client().get("/api/docs/").status_code == 200


def test_it_documents_the_collection_state_and_holds_as_enums(db):
    from patient_collections.collection_state import CollectionState, HoldReason

    schema = _schema(Client())
    schemas = schema["components"]["schemas"]

    for reader in ("Invoice", "CollectionCase"):
        properties = schemas[reader]["properties"]
        assert properties["collection_state"]["allOf"][0]["$ref"] == "#/components/schemas/CollectionStateEnum"
        assert properties["holds"]["type"] == "array"
        assert properties["holds"]["items"]["$ref"] == "#/components/schemas/HoldReasonEnum"
        assert {"collection_state", "holds"} <= set(schemas[reader]["required"])
    assert schemas["CollectionStateEnum"]["enum"] == CollectionState.values
    assert schemas["HoldReasonEnum"]["enum"] == HoldReason.values
