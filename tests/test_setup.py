"""The set-up path: demo data, the management commands that cron or an operator runs, and Celery's wiring."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from invoices.models import Invoice, LedgerEntry
from operations.management.commands.run_billing_jobs import JOBS
from patients.models import AuthorisedProxy, Coverage, Patient
from tests.factories import PatientFactory, issued_invoice

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _row_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "patients": Patient.objects.count(),
        "coverages": Coverage.objects.count(),
        "proxies": AuthorisedProxy.objects.count(),
        "invoices": Invoice.objects.count(),
        "entries": LedgerEntry.objects.count(),
    }


def _break_cached_balance(invoice: Invoice) -> None:
    # Only the cache is changed (the ledger itself refuses edits): exactly what verify_ledger must catch.
    Invoice.objects.filter(pk=invoice.pk).update(balance=invoice.balance + Decimal("10.00"))


@pytest.mark.django_db
def test_it_seeds_demo_data_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = _row_counts()

    call_command("seed_demo", stdout=StringIO())

    assert _row_counts() == first
    assert first["patients"] >= 12
    assert first["proxies"] == 1


@pytest.mark.django_db
def test_it_seeds_staff_in_their_roles_with_the_demo_password(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    expected = {"frontdesk": "front_desk", "billing": "billing", "manager": "office_manager", "provider": "provider"}
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("demo")
        assert list(user.groups.values_list("name", flat=True)) == [role]
    portal_user = User.objects.get(username="patient")
    assert portal_user.check_password("demo")
    assert portal_user.patient.name == "Kari Nordmann"


@pytest.mark.django_db
def test_it_seeds_every_language_and_invoice_state_on_a_ledger_that_verifies(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    assert set(Patient.objects.values_list("language", flat=True)) == {"en", "fr", "pt", "nb", "ru"}
    invoices = list(Invoice.objects.all())
    statuses = {invoice.status for invoice in invoices}
    assert statuses == {"draft", "issued", "credited"}
    assert {invoice.insurance_status for invoice in invoices} == {"none", "pending", "settled"}
    issued = [invoice for invoice in invoices if invoice.status == "issued"]
    assert any(invoice.patient_due < 0 for invoice in issued), "an overpaid invoice (credit)"
    assert any(invoice.balance == 0 for invoice in issued), "a paid invoice"
    assert any(0 < invoice.balance < invoice.total for invoice in issued), "a partly paid invoice"
    assert any(invoice.due_date < date.today() and invoice.patient_due > 0 for invoice in issued), "overdue"
    assert Coverage.objects.filter(kind="exemption_card", valid_to__isnull=False).exists()
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "no differences" in out.getvalue()


@pytest.mark.django_db
def test_it_refuses_to_seed_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.filter(username="billing").exists()


@pytest.mark.django_db
def test_it_seeds_with_debug_off_when_forced(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--force", stdout=StringIO())

    assert User.objects.filter(username="billing").exists()


@pytest.mark.django_db
def test_it_reports_a_clean_ledger_from_verify_ledger():
    issued_invoice(PatientFactory())
    out = StringIO()

    call_command("verify_ledger", stdout=out)

    assert "Ledger verified: 1 invoice(s), no differences." in out.getvalue()


@pytest.mark.django_db
def test_it_fails_verify_ledger_when_a_cached_balance_is_wrong():
    invoice = issued_invoice(PatientFactory())
    _break_cached_balance(invoice)
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_ledger", stderr=err)

    assert f"invoice id={invoice.pk}: balance" in err.getvalue()


@pytest.mark.django_db
def test_it_runs_every_billing_job_and_reports_each():
    issued_invoice(PatientFactory())
    out = StringIO()

    call_command("run_billing_jobs", "--as-of", "2026-11-20", stdout=out)

    for job in JOBS:
        assert f"{job.name}: ok" in out.getvalue()
    assert "as of 2026-11-20" in out.getvalue()


@pytest.mark.django_db
def test_it_counts_the_letters_a_catch_up_run_leaves_for_the_print_batch():
    patient = PatientFactory(preferred_channel="letter", address_line="Storgata 5", postal_code="0155", city="Oslo")
    invoice = issued_invoice(patient, lines=[("GP1", "Consultation", "1", "450.00", "patient")])
    out = StringIO()

    call_command("run_billing_jobs", "--as-of", (invoice.due_date + timedelta(days=2)).isoformat(), stdout=out)

    assert "0 notice(s) sent, 1 letter(s) waiting for the print batch" in out.getvalue()


@pytest.mark.django_db
def test_it_exits_non_zero_when_a_billing_job_finds_problems():
    invoice = issued_invoice(PatientFactory())
    _break_cached_balance(invoice)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="verify-ledger"):
        call_command("run_billing_jobs", stdout=out, stderr=err)

    assert f"invoice id={invoice.pk}" in err.getvalue()


def test_it_refuses_an_as_of_that_is_not_a_date():
    with pytest.raises(CommandError, match="expected a date"):
        call_command("run_billing_jobs", "--as-of", "20/11/2026")


def test_it_has_a_billing_job_for_every_beat_entry():
    from clinic_billing.celery import app

    beat_tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert beat_tasks <= {job.task for job in JOBS}


def test_it_registers_every_task_that_beat_schedules():
    from clinic_billing.celery import app

    app.loader.import_default_modules()

    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


def test_the_tests_run_tasks_in_process_because_their_settings_say_so(settings):
    from clinic_billing.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True
    assert app.conf.task_acks_late is True


def test_it_maps_the_filesystem_broker_to_folders_under_var():
    # Settings are read once per process, so a fresh interpreter shows what `make run` configures.
    script = (
        "import json, django; django.setup();"
        "from clinic_billing.celery import app;"
        "print(json.dumps({'eager': app.conf.task_always_eager, 'options': app.conf.broker_transport_options}))"
    )
    env = {**os.environ, "CELERY_BROKER_URL": "filesystem://", "DJANGO_SETTINGS_MODULE": "clinic_billing.settings"}
    env.pop("CELERY_BROKER_FOLDER", None)
    env.pop("CELERY_TASK_ALWAYS_EAGER")  # set by tests/settings.py; `make run` leaves it unset

    result = subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    )

    config = json.loads(result.stdout.strip().splitlines()[-1])
    broker = PROJECT_ROOT / "var" / "celery-broker"
    assert config["eager"] is False
    assert config["options"]["data_folder_in"] == str(broker / "out")
    assert config["options"]["data_folder_out"] == str(broker / "out")
    assert config["options"]["processed_folder"] == str(broker / "processed")
    assert config["options"]["control_folder"] == str(broker / "control")
