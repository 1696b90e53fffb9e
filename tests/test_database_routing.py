"""Reports read the `reports` database when one is configured and the primary otherwise; writes never go there.

The real replica is started by tests/test_reports_replica.py; these tests hold without one."""

from contextlib import contextmanager
from datetime import date

import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection
from django.urls import reverse

from clinic_billing import database_routing
from clinic_billing.database_routing import REPORTS, ReportsRouter, reading_reports, reports_database
from invoices.models import Invoice
from tests.production_django import run_django

ROUTER = ReportsRouter()
REPLICA_URL = "postgres://clinic@replica.internal:5432/clinic"


@pytest.fixture
def reports_configured(settings):
    """Settings naming a `reports` alias (never connected to: the router only names it)."""
    with pytest.warns(UserWarning, match="DATABASES"):
        settings.DATABASES = {**settings.DATABASES, REPORTS: {"ENGINE": "django.db.backends.postgresql"}}
    yield


@contextmanager
def reads_recorded():
    """Every query run, with whether it ran inside `reading_reports()` (what the router answers from)."""
    recorded: list[tuple[str, bool]] = []

    def record(execute, sql, params, many, context):
        recorded.append((sql, database_routing._reading_reports.get()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield recorded


def test_it_reads_the_reports_database_inside_reading_reports_when_one_is_configured(reports_configured):
    with reading_reports() as alias:
        assert alias == REPORTS
        assert ROUTER.db_for_read(Invoice) == REPORTS
    assert ROUTER.db_for_read(Invoice) is None  # outside a report Django reads the primary


def test_it_falls_back_to_the_primary_without_a_reports_database():
    assert REPORTS not in settings.DATABASES
    with reading_reports() as alias:
        assert alias == "default"
        assert ROUTER.db_for_read(Invoice) == "default"
    assert reports_database() == "default"


def test_it_writes_to_the_primary_even_an_object_read_from_the_replica(reports_configured):
    invoice = Invoice()
    invoice._state.db = REPORTS
    with reading_reports():
        assert ROUTER.db_for_write(Invoice, instance=invoice) == "default"
        assert ROUTER.db_for_write(LogEntry) == "default"


def test_it_never_migrates_the_replica_and_relates_objects_of_both():
    assert ROUTER.allow_migrate(REPORTS, "invoices") is False
    assert ROUTER.allow_migrate("default", "invoices") is None
    primary, replica = Invoice(), Invoice()
    primary._state.db, replica._state.db = "default", REPORTS
    assert ROUTER.allow_relation(primary, replica) is True


@pytest.mark.django_db
@time_machine.travel(date(2026, 6, 15), tick=False)
@pytest.mark.parametrize(
    ("route", "query"),
    [
        ("collections:aging-report", {}),
        ("collections:aging-report-csv", {}),
        ("office:complaint-report", {"start": "2026-01-01", "end": "2026-06-30"}),
        ("office:complaint-report-csv", {"start": "2026-01-01", "end": "2026-06-30"}),
        ("compliance:audit-log-csv", {"action": "access"}),
    ],
)
def test_it_runs_the_report_views_reads_on_the_reports_database(client_for, manager, route, query):
    client = client_for(manager)
    with reads_recorded() as recorded:
        response = client.get(reverse(route), query)
    assert response.status_code == 200
    reads = [sql for sql, on_reports in recorded if on_reports and sql.lstrip().upper().startswith("SELECT")]
    # The request's own reads before the view (session, user, roles) stay on the primary.
    assert reads and recorded[0][1] is False


@pytest.mark.django_db
def test_it_keeps_the_worklist_on_the_primary(client_for, front_desk):
    with reads_recorded() as recorded:
        response = client_for(front_desk).get(reverse("frontdesk:home"))
    assert response.status_code == 200
    assert recorded and not any(on_reports for _sql, on_reports in recorded)


def test_it_defines_the_reports_alias_from_reports_database_url_with_the_primarys_password():
    result = run_django(
        "from clinic_billing import settings as s; r = s.DATABASES['reports']; "
        "print(r['HOST'], r['PORT'], r['PASSWORD'], r['TEST'])",
        DATABASE_URL="postgres://clinic@db:5432/clinic",
        DATABASE_PASSWORD="primary-secret",
        REPORTS_DATABASE_URL=REPLICA_URL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "replica.internal 5432 primary-secret {'MIRROR': 'default'}"


def test_it_defines_no_reports_alias_without_reports_database_url():
    result = run_django("from clinic_billing import settings as s; print(sorted(s.DATABASES))", REPORTS_DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['default']"
