"""The office manager's audit log: search by patient, staff member, action and dates; the CSV export."""

import csv
import io
from datetime import datetime, timedelta
from typing import cast

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from invoices import services
from invoices.models import Invoice, LedgerEntry
from patients.models import Patient
from tests.factories import PatientFactory, ProxyFactory, UserFactory, issued_invoice


def _key(entry: LogEntry) -> tuple[str, str, int]:
    return (entry.content_type.model, entry.object_pk, entry.action)


def _search(client, **filters):
    return client.get(reverse("compliance:audit-log"), filters)


def _keys(response) -> set[tuple[str, str, int]]:
    return {_key(row.entry) for row in response.context["rows"]}


@pytest.fixture
def manager_client(manager, client_for):
    return client_for(manager)


@pytest.fixture
def kari_history(patient, billing, client_for):
    """Billing issues Kari an invoice and takes a payment; front desk opens her account."""
    with set_actor(billing, remote_addr="10.0.0.5"):
        invoice = issued_invoice(patient)
        payment = services.payment_record(
            invoice_id=invoice.pk, amount="21.00", payer="patient", method="card", by=billing
        ).entry
    client_for(UserFactory(username="frida_desk", roles=["front_desk"])).get(
        reverse("frontdesk:patient-detail", args=[patient.pk])
    )
    return invoice, payment


@pytest.fixture
def ivan_history(other_patient, billing):
    with set_actor(billing, remote_addr="10.0.0.6"):
        return issued_invoice(other_patient)


def test_it_finds_the_entries_of_one_patient(manager_client, patient, kari_history, ivan_history):
    invoice, payment = kari_history
    response = _search(manager_client, patient="nordm")

    assert response.status_code == 200
    keys = _keys(response)
    assert ("invoice", str(invoice.pk), LogEntry.Action.CREATE) in keys
    assert ("ledgerentry", str(payment.pk), LogEntry.Action.CREATE) in keys
    assert ("patient", str(patient.pk), LogEntry.Action.ACCESS) in keys
    assert ("invoice", str(ivan_history.pk), LogEntry.Action.CREATE) not in keys
    ivan_entries = LedgerEntry.objects.filter(invoice=ivan_history).values_list("pk", flat=True)
    assert not {("ledgerentry", str(pk)) for pk in ivan_entries} & {key[:2] for key in keys}


def test_it_finds_a_patient_by_number(manager_client, patient, kari_history, ivan_history):
    invoice, _payment = kari_history
    keys = _keys(_search(manager_client, patient=str(patient.pk)))
    assert ("invoice", str(invoice.pk), LogEntry.Action.CREATE) in keys
    assert ("invoice", str(ivan_history.pk), LogEntry.Action.CREATE) not in keys


def test_it_shows_who_when_from_where_and_what(manager_client, patient, kari_history):
    html = _search(manager_client, patient="nordm", action="access").content.decode()
    assert "frida_desk" in html
    assert "127.0.0.1" in html
    assert f"patient: {patient}" in html


def test_it_filters_by_staff_member(manager_client, kari_history):
    response = _search(manager_client, staff="frida_desk")
    actors = {row.entry.actor.username for row in response.context["rows"]}
    assert actors == {"frida_desk"}


def test_it_filters_by_action(manager_client, kari_history):
    response = _search(manager_client, action="access")
    assert response.context["rows"]
    assert {row.entry.action for row in response.context["rows"]} == {LogEntry.Action.ACCESS}


def test_it_filters_by_date_range(manager_client, patient, kari_history):
    invoice, _payment = kari_history
    last_year = timezone.now() - timedelta(days=365)
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Invoice)).update(timestamp=last_year)
    day = timezone.localdate(last_year).isoformat()

    old = _keys(_search(manager_client, patient="nordm", start=day, end=day))
    recent = _keys(_search(manager_client, patient="nordm", start=timezone.localdate().isoformat()))

    assert ("invoice", str(invoice.pk), LogEntry.Action.CREATE) in old
    assert ("invoice", str(invoice.pk), LogEntry.Action.CREATE) not in recent


def test_it_refuses_an_end_before_the_start(manager_client):
    response = _search(manager_client, start="2026-11-20", end="2026-11-01")
    assert response.status_code == 400
    assert "The end date comes before the start date." in response.content.decode()


@pytest.mark.parametrize("route", ["compliance:audit-log", "compliance:audit-log-csv"])
@pytest.mark.parametrize(
    "dates", [{"end": "9999-12-31"}, {"start": "9999-12-31"}, {"start": "0001-01-01"}, {"end": "0001-01-01"}]
)
def test_it_refuses_a_date_out_of_range_with_a_400(manager_client, route, dates):
    """The day after 9999-12-31 does not exist: the search overflowed and answered 500."""
    response = manager_client.get(reverse(route), dates)

    assert response.status_code == 400
    assert "Give a date between" in response.content.decode()


def test_it_lists_newest_first(manager_client, kari_history):
    timestamps = [row.entry.timestamp for row in _search(manager_client).context["rows"]]
    assert timestamps == sorted(timestamps, reverse=True)


def test_it_names_changed_fields_without_their_values(manager_client, patient, billing):
    with set_actor(billing):
        patient.phone = "+47 91 23 45 67"
        patient.save()

    html = _search(manager_client, patient="nordm", action="update").content.decode()

    assert str(Patient._meta.get_field("phone").verbose_name) in html
    assert "91 23 45 67" not in html


@pytest.mark.parametrize("persona", ["front_desk", "billing", "provider"])
def test_it_refuses_staff_who_are_not_office_managers(db, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("compliance:audit-log")).status_code == 403
    assert client.get(reverse("compliance:audit-log-csv")).status_code == 403


def test_it_refuses_patients(patient, client_for):
    client = client_for(patient.user)
    assert client.get(reverse("compliance:audit-log")).status_code == 403
    assert client.get(reverse("compliance:audit-log-csv")).status_code == 403


def test_it_sends_visitors_to_sign_in(client):
    response = client.get(reverse("compliance:audit-log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_nav_link_to_office_managers_only(manager_client, billing, client_for):
    link = f'href="{reverse("compliance:audit-log")}"'
    assert link in manager_client.get(reverse("frontdesk:home")).content.decode()
    assert link not in client_for(billing).get(reverse("frontdesk:home")).content.decode()


def test_it_records_each_search_in_the_audit_log(manager_client, manager, patient):
    _search(manager_client, patient="nordm", action="update")

    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(LogEntry))
    assert entry.action == LogEntry.Action.ACCESS
    assert entry.actor == manager
    assert entry.remote_addr == "127.0.0.1"
    assert entry.additional_data["audit_log"] == "search"
    assert entry.additional_data["filters"]["patient"] == "nordm"
    assert entry.additional_data["patient_ids"] == [patient.pk]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_exports_the_filtered_entries_as_csv(manager_client, patient, kari_history, ivan_history):
    invoice, _payment = kari_history
    response = manager_client.get(reverse("compliance:audit-log-csv"), {"patient": "nordm", "action": "create"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header == [
        "When",
        "Staff member",
        "From address",
        "Action",
        "Record type",
        "Record",
        "Record id",
        "Changed fields",
    ]
    assert ["bjorn_billing", "10.0.0.5", "Created", "invoice", str(invoice.pk)] in [
        [row[1], row[2], row[3], row[4], row[6]] for row in rows
    ]
    assert all(row[3] == "Created" for row in rows)
    assert str(ivan_history.pk) not in {row[6] for row in rows if row[4] == "invoice"}
    assert datetime.fromisoformat(rows[0][0])


def test_it_records_each_export_in_the_audit_log(manager_client, manager):
    manager_client.get(reverse("compliance:audit-log-csv"), {"staff": "bjorn_billing"})
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(LogEntry))
    assert entry.additional_data["audit_log"] == "export"
    assert entry.actor == manager


def test_it_quotes_cells_a_spreadsheet_would_run_as_formulas(manager_client, billing):
    with set_actor(billing):
        PatientFactory(name='=HYPERLINK("http://evil.example")')

    rows = _csv(manager_client.get(reverse("compliance:audit-log-csv"), {"patient": "hyperlink"}))[1:]

    assert rows
    assert all(row[5].startswith("'=") for row in rows)


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_it_quotes_a_formula_after_a_separator_in_a_proxy_name(manager_client, patient, billing, separator):
    with set_actor(billing):
        ProxyFactory(patient=patient, name=f"Ola{separator}=cmd|' /C calc'!A0")

    text = manager_client.get(reverse("compliance:audit-log-csv"), {"action": "create"}).content.decode()
    [row] = [row for row in csv.reader(io.StringIO(text)) if row[4] == "authorised proxy"]

    assert row[5].startswith(f"Ola{separator}'=cmd|")
    assert not any(cell.lstrip(' "').startswith("=") for line in text.splitlines() for cell in line.split(separator))


def test_it_exports_changed_field_names_without_values(manager_client, patient, billing):
    with set_actor(billing):
        patient.email = "kari.secret@example.com"
        patient.save()
    content = manager_client.get(reverse("compliance:audit-log-csv"), {"patient": "nordm"}).content.decode()
    assert str(Patient._meta.get_field("email").verbose_name) in content
    assert "kari.secret" not in content


def _patient_with_entries(count: int, billing) -> Patient:
    with set_actor(billing):
        patient = cast(Patient, PatientFactory(name="Query Counted"))
        for number in range(count - 1):
            patient.phone = f"+47 400 00 {number:03d}"
            patient.save()
    return patient


def _queries_for_search(client, text: str) -> int:
    client.get(reverse("compliance:audit-log"), {"patient": text})  # warms the content type cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("compliance:audit-log"), {"patient": text})
    assert response.status_code == 200
    return len(queries)


def test_it_runs_a_fixed_number_of_queries(manager_client, billing):
    one = _patient_with_entries(1, billing)
    twenty = _patient_with_entries(20, billing)
    one.name, twenty.name = "Alone Entry", "Twenty Entries"
    Patient.objects.filter(pk=one.pk).update(name=one.name)
    Patient.objects.filter(pk=twenty.pk).update(name=twenty.name)

    # session, user, staff roles with the user's and the groups' permissions (one query), matching patients,
    # count of entries, the page of entries (actor and content type joined, patients' records in subqueries),
    # the ACCESS entry's insert; and the two-factor device that verified the session (django-otp, mfa).
    assert _queries_for_search(manager_client, str(one.pk)) == 8
    assert _queries_for_search(manager_client, str(twenty.pk)) == 8


# --- From where: the address the lockout uses, never the client's own claim ------------------------------


def _read_patient(client, patient, **headers) -> LogEntry:
    LogEntry.objects.filter(action=LogEntry.Action.ACCESS).delete()
    response = client.get(reverse("frontdesk:patient-detail", args=[patient.pk]), REMOTE_ADDR="198.51.100.7", **headers)
    assert response.status_code == 200
    return LogEntry.objects.get_for_object(patient).get(action=LogEntry.Action.ACCESS)


def test_it_ignores_a_forwarded_for_header_without_trusted_proxies(patient, billing, client_for):
    entry = _read_patient(client_for(billing), patient, HTTP_X_FORWARDED_FOR="203.0.113.66, 10.0.0.1")
    assert entry.remote_addr == "198.51.100.7"


def test_it_takes_the_address_a_trusted_proxy_forwards(settings, patient, billing, client_for):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    entry = _read_patient(client_for(billing), patient, HTTP_X_FORWARDED_FOR="203.0.113.66, 10.0.0.1")
    assert entry.remote_addr == "203.0.113.66"


@pytest.mark.parametrize("forwarded", ["unknown", "203.0.113.66:8080", "<script>", "999.1.1.1", "\x00"])
def test_it_stores_no_address_rather_than_a_value_that_is_none(settings, patient, billing, client_for, forwarded):
    """On PostgreSQL the column is `inet`: storing `unknown` failed every audited request with a 500."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    entry = _read_patient(client_for(billing), patient, HTTP_X_FORWARDED_FOR=forwarded)
    assert entry.remote_addr in {None, "203.0.113.66", "198.51.100.7"}
    assert entry.remote_addr != forwarded


def test_it_stores_no_address_when_the_connection_names_none(patient, billing, client_for):
    LogEntry.objects.filter(action=LogEntry.Action.ACCESS).delete()
    client_for(billing).get(reverse("frontdesk:patient-detail", args=[patient.pk]), REMOTE_ADDR="unknown")
    assert LogEntry.objects.get_for_object(patient).get(action=LogEntry.Action.ACCESS).remote_addr is None


@pytest.mark.parametrize("port", ["99999999999", "-1", "http", "٣"])
def test_it_stores_no_port_that_is_no_port(settings, patient, billing, client_for, port):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    entry = _read_patient(client_for(billing), patient, HTTP_X_FORWARDED_PORT=port)
    assert entry.remote_port is None


def test_it_ignores_a_forwarded_port_without_trusted_proxies(patient, billing, client_for):
    assert _read_patient(client_for(billing), patient, HTTP_X_FORWARDED_PORT="4431").remote_port is None
