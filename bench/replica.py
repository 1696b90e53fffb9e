"""The reports on a real PostgreSQL streaming replica: set up on this machine, used, measured, torn down.

    python -m bench.replica run [--invoices 2000] [--rounds 20]     prints one JSON object (docs/scaling.md)

`run` needs PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup: PG_BINDIR, else `pg_config --bindir`,
else the newest /usr/lib/postgresql/*/bin). In a temporary folder it starts a primary cluster of its own on a
free port (this machine's shared PostgreSQL refuses replication connections: its pg_hba.conf has no
`replication` line, and a benchmark does not change a server others use), takes a base backup of it with
`pg_basebackup -R -X stream` and starts that as a hot standby on another port. As root, both run as the
`postgres` user (PostgreSQL refuses to run as root). It migrates the primary, seeds it with `seed_scale`, then
runs `python -m bench.replica measure` with DATABASE_URL on the primary and REPORTS_DATABASE_URL on the replica,
and stops and deletes both clusters, also on failure.

`measure` checks that the report pages read the replica and write their read-audit rows on the primary, and
measures the lag: after each payment committed on the primary, how long until the aging report read from the
replica shows it; and after a burst of writes, how long until the replica has replayed them.
"""

import argparse
import json
import os
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup")


def server_bindir() -> Path | None:
    """The folder of PostgreSQL's server programs, or None when they are not installed."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)  # noqa: S603
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name), reverse=True
    )
    for folder in candidates:
        if all((folder / program).is_file() for program in SERVER_PROGRAMS):
            return folder
    return None


def server_user_prefix() -> list[str] | None:
    """The command prefix that runs PostgreSQL's programs as an unprivileged user: none unless we are root; None
    when we are root and there is no `postgres` user to run them as."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else None


def unavailable_reason() -> str | None:
    """Why a replica cannot be started on this machine, or None when it can."""
    if server_bindir() is None:
        return "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed"
    if server_user_prefix() is None:
        return "running as root without a postgres user (or runuser) to start PostgreSQL as"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Clusters:
    """A primary and its streaming replica in one temporary folder."""

    def __init__(self, folder: Path, bindir: Path, prefix: list[str]) -> None:
        self.folder = folder
        self.bindir = bindir
        self.prefix = prefix
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.started: list[Path] = []

    def run(self, program: str, *args: str) -> str:
        completed = subprocess.run(  # noqa: S603 - PostgreSQL's own programs with our arguments
            [*self.prefix, str(self.bindir / program), *args], capture_output=True, text=True, check=False
        )
        if completed.returncode:
            raise SystemExit(f"{program} {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
        return completed.stdout

    def start(self, data: Path, port: int) -> None:
        options = f"-p {port} -k {self.folder}"
        self.run("pg_ctl", "-D", str(data), "-l", str(self.folder / f"{data.name}.log"), "-o", options, "-w", "start")
        self.started.append(data)

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/clinic"

    def create(self) -> None:
        primary, replica = self.folder / "primary", self.folder / "replica"
        self.run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        with (primary / "postgresql.conf").open("a") as conf:
            # initdb's pg_hba.conf already lets 127.0.0.1 make replication connections with trust.
            conf.write("listen_addresses = '127.0.0.1'\nwal_level = replica\nmax_wal_senders = 4\n")
        self.start(primary, self.primary_port)
        self.run(
            "psql", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres", "-qc", "CREATE DATABASE clinic"
        )  # fmt: skip
        self.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self.start(replica, self.replica_port)

    def stop(self) -> None:
        for data in reversed(self.started):
            subprocess.run(  # noqa: S603
                [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                check=False,
            )
        self.started.clear()


@contextmanager
def clusters() -> Iterator[Clusters]:
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"Cannot start a replica: {reason}.")
    bindir, prefix = server_bindir(), server_user_prefix()
    assert bindir is not None and prefix is not None
    folder = Path(tempfile.mkdtemp(prefix="clinic-billing-replica-"))
    if prefix:
        postgres = pwd.getpwnam("postgres")
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    pair = Clusters(folder, bindir, prefix)
    try:
        pair.create()
        yield pair
    finally:
        pair.stop()
        shutil.rmtree(folder, ignore_errors=True)


def run(invoices: int, rounds: int) -> dict[str, Any]:
    """Start the pair, migrate and seed the primary, measure with the reports on the replica, tear down."""
    started = time.perf_counter()
    with clusters() as pair:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": pair.url(pair.primary_port),
            "REPORTS_DATABASE_URL": pair.url(pair.replica_port),
            "PYTHONPATH": str(ROOT),
        }
        set_up = time.perf_counter()

        def django(*args: str) -> str:
            completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
                [PYTHON, *args], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
            )
            if completed.returncode:
                raise SystemExit(f"{' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
            return completed.stdout

        django("manage.py", "migrate", "--noinput", "--verbosity", "0")
        django("manage.py", "seed_scale", "--invoices", str(invoices), "--force")
        result = json.loads(django("-m", "bench.replica", "measure", str(rounds)).strip().splitlines()[-1])
        result["setup_s"] = round(set_up - started, 1)
    result["invoices"] = invoices
    result["total_s"] = round(time.perf_counter() - started, 1)
    return result


def measure(rounds: int) -> dict[str, Any]:
    """The Django side, run with DATABASE_URL on the primary and REPORTS_DATABASE_URL on the replica."""
    import django

    django.setup()

    from auditlog.models import LogEntry
    from django.contrib.auth.models import Group, User
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from bench.measure import session_for
    from clinic_billing.database_routing import REPORTS, reading_reports
    from clinic_billing.roles import OFFICE_MANAGER
    from invoices import services as invoice_services
    from invoices.models import Invoice
    from patient_collections.selectors import aging_report

    def scalar(alias: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def caught_up() -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        target = scalar("default", "SELECT pg_current_wal_lsn()::text")
        while not scalar(REPORTS, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)):
            time.sleep(0.001)

    result: dict[str, Any] = {
        "primary_in_recovery": scalar("default", "SELECT pg_is_in_recovery()"),
        "replica_in_recovery": scalar(REPORTS, "SELECT pg_is_in_recovery()"),
        "server_version": scalar(REPORTS, "SHOW server_version"),
    }

    # The pages: the report's queries on the replica, the read-audit rows on the primary.
    manager, _created = User.objects.get_or_create(username="replica_manager")
    manager.groups.add(Group.objects.get(name=OFFICE_MANAGER))
    staff = Client()
    staff.cookies["sessionid"] = session_for(manager)
    caught_up()
    today = timezone.localdate()
    pages = {
        "aging report": reverse("collections:aging-report"),
        "aging report CSV": reverse("collections:aging-report-csv"),
        "complaint report": reverse("office:complaint-report"),
        "complaint report CSV": reverse("office:complaint-report-csv"),
        "worklist": reverse("frontdesk:home"),
    }
    page_results = {}
    for name, path in pages.items():
        audit_rows = LogEntry.objects.count()
        with (
            CaptureQueriesContext(connections["default"]) as on_primary,
            CaptureQueriesContext(connections[REPORTS]) as on_replica,
        ):
            response = staff.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        page_results[name] = {
            "queries_on_primary": len(on_primary),
            "queries_on_replica": len(on_replica),
            "audit_rows_written_on_primary": LogEntry.objects.count() - audit_rows,
        }
    result["pages"] = page_results

    # The lag a report sees: a payment of 1.00 committed on the primary, then the aging report read from the
    # replica until its total shows it.
    invoice_ids = list(
        Invoice.objects.issued()
        .filter(due_date__lt=today, balance__gt=5)  # two payments of 1.00 each
        .order_by("id")
        .values_list("id", flat=True)[:rounds]
    )
    if not invoice_ids:
        raise SystemExit("no overdue invoice with a balance to pay 1.00 on: seed more invoices")
    visible_ms, polls = [], []
    for invoice_id in invoice_ids:
        caught_up()
        with reading_reports():
            before = aging_report(today=today, limit=1).total
        invoice_services.payment_record(invoice_id=invoice_id, amount="1.00", payer="patient", method="card", by=None)
        committed = time.perf_counter()
        reads = 0
        while True:
            reads += 1
            with reading_reports():
                seen = aging_report(today=today, limit=1).total
            if seen != before:
                break
        visible_ms.append((time.perf_counter() - committed) * 1000)
        polls.append(reads)
    result["payment_visible_in_report_ms"] = {
        "rounds": len(visible_ms),
        "median": round(statistics.median(visible_ms), 2),
        "max": round(max(visible_ms), 2),
        "reads_median": statistics.median(polls),
        "reads_max": max(polls),
    }

    # The replication lag itself, below what one report read can show: after each payment, how long until the
    # replica has replayed the primary's WAL up to the commit (polled with a query that costs nothing).
    replayed_ms = []
    for invoice_id in invoice_ids:
        caught_up()
        invoice_services.payment_record(invoice_id=invoice_id, amount="1.00", payer="patient", method="card", by=None)
        committed = time.perf_counter()
        caught_up()
        replayed_ms.append((time.perf_counter() - committed) * 1000)
    result["payment_replayed_ms"] = {
        "rounds": len(replayed_ms),
        "median": round(statistics.median(replayed_ms), 2),
        "max": round(max(replayed_ms), 2),
    }

    # A burst of writes (drafted and issued invoices, each its own transaction), then how long the replica takes
    # to replay all of it, and what PostgreSQL reported as the replay lag meanwhile.
    caught_up()
    patient_id = Invoice.objects.order_by("id").values_list("patient_id", flat=True).first()
    assert patient_id is not None
    line = invoice_services.LineInput("2ad", "Consultation", Decimal("1"), Decimal("183.00"))
    burst = 50
    started = time.perf_counter()
    for _ in range(burst):
        draft = invoice_services.invoice_create_draft(patient_id=patient_id, service_date=today, lines=[line], by=None)
        invoice_services.invoice_issue(invoice_id=draft.pk, by=None)
    written = time.perf_counter()
    replay_lag = scalar("default", "SELECT max(extract(epoch FROM replay_lag)) FROM pg_stat_replication")
    caught_up()
    result["burst"] = {
        "invoices_issued": burst,
        "write_s": round(written - started, 2),
        "replayed_after_last_write_ms": round((time.perf_counter() - written) * 1000, 1),
        "pg_stat_replication_replay_lag_ms": round(float(replay_lag) * 1000, 1) if replay_lag is not None else None,
    }
    # Writes never reach the replica: a hot standby refuses them, so this is also a check that none was tried.
    result["replica_refuses_writes"] = _refuses_writes(connections[REPORTS])
    return result


def _refuses_writes(connection: Any) -> bool:
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE replica_probe (id int)")
    except DatabaseError:
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_command = commands.add_parser("run")
    run_command.add_argument("--invoices", type=int, default=2000)
    run_command.add_argument("--rounds", type=int, default=20)
    measure_command = commands.add_parser("measure")
    measure_command.add_argument("rounds", type=int)
    arguments = parser.parse_args()
    if arguments.command == "run":
        result = run(arguments.invoices, arguments.rounds)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        result = measure(arguments.rounds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
