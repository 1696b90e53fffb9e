"""Who pointed the clinic's events at which address is in the audit log; the signing secret never is."""

import pytest
from auditlog.models import LogEntry

from integration_events.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_it_audits_adding_and_redirecting_an_endpoint_without_its_secret():
    endpoint = WebhookEndpoint.objects.create(url="https://ehr.example/hooks", event_types=["invoice.issued"])
    endpoint.url = "https://attacker.example/hooks"
    endpoint.save()

    entries = LogEntry.objects.get_for_object(endpoint).order_by("pk")

    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries[1].changes_dict["url"] == ["https://ehr.example/hooks", "https://attacker.example/hooks"]
    assert all("secret" not in entry.changes_dict for entry in entries)
    assert all(endpoint.secret not in str(entry.changes) for entry in entries)
