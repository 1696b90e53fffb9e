"""`make bench`: build PostgreSQL databases of several sizes, measure, and write bench/results/<date>.{json,md,png}.

For each size (BENCH_SIZES, default 10000,50000,200000 invoices):
1. a fresh database cloned from a migrated template is filled by `manage.py seed_scale` (which vacuums and
   analyses it; its wall time and peak memory are recorded), its tables' sizes are read, and one clone of it is
   taken for the two-worker sweep;
2. the reminder sweep with one worker on the seeded database, then (step 7) with two workers started at the same
   instant on the clone: both see the same work, and only one copy of the data is made (at 2,000,000 invoices a
   copy is about 5 GB);
3. pages: server time, Python CPU and queries of each page and of the floor, in-process (bench.measure pages);
4. PDF rendering and policy-engine decisions per second (bench.measure pdf-engine);
5. the write path: invoices drafted, issued and paid per second through the services (bench.measure lifecycle),
   and bank files of up to 50,000 payments imported and imported again (bench.measure bank-import);
6. gunicorn on loopback: first the floor (a trivial view through the same middleware), then the mixed load
   of staff, patients and the API, for BENCH_LOAD_SECONDS each, with the read-audit table's growth;
7. the measured database is dropped, then the two-worker sweep runs on the clone.
Every database the benchmark creates it drops at the end. Load average is sampled all along.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench import load, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "10000,50000,200000").split(",") if size.strip()]
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
LIFECYCLE_SECONDS = float(os.environ.get("BENCH_LIFECYCLE_SECONDS", "10"))
GUNICORN_WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "3"))
# Payments per bank file (one OCR Giro, one camt.054), at most one per open invoice of the data set.
BANK_PAYMENTS = int(os.environ.get("BENCH_BANK_PAYMENTS", "50000"))
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_billing_bench")
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# The mixed load: (weight, name). Staff pages, the patient portal and the API, in one stream.
MIX = (
    (10, "staff worklist"),
    (15, "patient account"),
    (25, "invoice detail"),
    (5, "approval queue"),
    (25, "invoice API GET"),
    (15, "portal"),
    (5, "complaint-intake API POST"),
)


def database_url(name: str) -> str:
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


BENCH_DB = urlsplit(DATABASE_URL).path.lstrip("/")
TEMPLATE_DB = f"{BENCH_DB}_template"
SWEEP_DB = f"{BENCH_DB}_sweep"


def admin(*statements: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def drop(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clone(source: str, target: str) -> None:
    """Copy a database. From PostgreSQL 15 on, by copying its files (FILE_COPY, a checkpoint before and after) rather
    than the default WAL_LOG, which writes every block of a multi-gigabyte database through the WAL."""
    drop(target)
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"{strategy}')  # type: ignore[arg-type]


def child_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(database),
        "PYTHONPATH": str(ROOT),
    }


def django(database: str, *args: str) -> str:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [PYTHON, *args], cwd=ROOT, env=child_env(database), capture_output=True, text=True, check=False
    )
    if completed.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def measure(database: str, *args: str) -> Any:
    return json.loads(django(database, "-m", "bench.measure", *args).strip().splitlines()[-1])


def seed(database: str, size: int) -> dict[str, Any]:
    """`manage.py seed_scale` with its wall time and its peak resident memory (the kernel's high-water mark of that
    process alone, from wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.time()
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [PYTHON, "manage.py", "seed_scale", "--invoices", str(size), "--force"],
            cwd=ROOT,
            env=child_env(database),
            stdout=out,
            stderr=err,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.time() - started
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"seed_scale failed:\n{out.read()}\n{err.read()}")
        summary = out.read().strip().splitlines()[-1]
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "summary": summary}


def table_sizes(database: str) -> dict[str, Any]:
    """The database's size and each table's (with its indexes and TOAST), biggest first, with the planner's row
    estimate (exact enough after the seed's VACUUM ANALYZE)."""
    with psycopg.connect(database_url(database)) as conn:
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        rows = conn.execute(
            """
            SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), greatest(c.reltuples, 0)::bigint
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
            ORDER BY 2 DESC, 1
            """
        ).fetchall()
    return {
        "database_mb": round((total[0] if total else 0) / 2**20, 1),
        "tables": [
            {"table": name, "total_mb": round(whole / 2**20, 2), "heap_mb": round(heap / 2**20, 2), "rows": estimate}
            for name, whole, heap, estimate in rows
        ],
    }


def audit_log_size(database: str) -> tuple[int, int]:
    """Rows and bytes (table, indexes and TOAST) of the audit log, which every page showing a patient writes to."""
    with psycopg.connect(database_url(database)) as conn:
        row = conn.execute(
            "SELECT count(*), pg_total_relation_size('auditlog_logentry') FROM auditlog_logentry"
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


class LoadSampler(threading.Thread):
    """Samples the 1-minute load average every few seconds while the benchmark runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(5):
            self.samples.append((time.time(), os.getloadavg()[0]))

    def between(self, start: float, end: float) -> dict[str, float]:
        values = [value for moment, value in self.samples if start <= moment <= end] or [os.getloadavg()[0]]
        return {"min": min(values), "median": round(statistics.median(values), 2), "max": max(values)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(database: str, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, our arguments
        [
            GUNICORN,
            "clinic_billing.wsgi:application",
            "--config",
            "clinic_billing/gunicorn.conf.py",  # the production configuration, with these changes:
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**child_env(database), "GUNICORN_ACCESS_LOG": ""},  # no access log on the terminal
    )
    for _attempt in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not answer within a minute")


def server_cpu_s(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds of gunicorn's master and its current workers."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        children = []
    return sum(load.process_cpu_s(pid) or 0.0 for pid in [server.pid, *map(int, children)])


def measured_load(
    port: int, server: subprocess.Popen[bytes], builders: list[tuple[int, load.Builder]]
) -> dict[str, object]:
    """One load run, with the CPU the server and this client (the load threads) spent per request: on two
    shared cores the client takes its share from the server, so it is reported beside the throughput."""
    client_started, server_started = time.process_time(), server_cpu_s(server)
    summary = load.run(port=port, builders=builders, seconds=LOAD_SECONDS, concurrency=CONCURRENCY).summary()
    requests = max(int(summary["requests"]), 1)  # type: ignore[call-overload]
    summary["client_cpu_ms_per_request"] = round((time.process_time() - client_started) * 1000 / requests, 2)
    summary["server_cpu_ms_per_request"] = round((server_cpu_s(server) - server_started) * 1000 / requests, 2)
    return summary


def builders(setup: dict[str, Any]) -> list[tuple[int, load.Builder]]:
    staff = f"sessionid={setup['staff_session']}"
    token = f"Authorization: Token {setup['token']}\r\n"
    paths = setup["paths"]
    pool = [tuple(pair) for pair in setup["complaint_pool"][100:]]

    def complaint(rng: Any) -> tuple[str, bytes, int]:
        if not pool:
            return "invoice API GET", load.get(rng.choice(paths["invoice_api"]), headers=token), 200
        patient_id, invoice_id = pool.pop()
        body = json.dumps(
            {
                "patient": patient_id,
                "invoice": invoice_id,
                "lines": [],
                "channel": "phone",
                "category": "invoice_question",
                "description": "What is this bill for?",
            }
        ).encode()
        return "complaint-intake API POST", load.post_json(paths["complaint_create"], body, headers=token), 201

    def portal(rng: Any) -> tuple[str, bytes, int]:
        account = rng.choice(setup["portal_sessions"])
        return "portal", load.get(account["path"], cookie=f"sessionid={account['session']}"), 200

    by_name: dict[str, load.Builder] = {
        "staff worklist": lambda rng: ("staff worklist", load.get(paths["worklist"], cookie=staff), 200),
        "patient account": lambda rng: (
            "patient account",
            load.get(rng.choice(paths["patient_account"]), cookie=staff),
            200,
        ),
        "invoice detail": lambda rng: (
            "invoice detail",
            load.get(rng.choice(paths["invoice_detail"]), cookie=staff),
            200,
        ),
        "approval queue": lambda rng: ("approval queue", load.get(paths["approval_queue"], cookie=staff), 200),
        "invoice API GET": lambda rng: (
            "invoice API GET",
            load.get(rng.choice(paths["invoice_api"]), headers=token),
            200,
        ),
        "portal": portal,
        "complaint-intake API POST": complaint,
    }
    return [(weight, by_name[name]) for weight, name in MIX]


def mixed_load(database: str, setup: dict[str, Any]) -> dict[str, Any]:
    port = free_port()
    server = start_gunicorn(database, port)
    try:
        floor_builder: list[tuple[int, load.Builder]] = [(1, lambda rng: ("floor", load.get("/bench/floor/"), 200))]
        mix = builders(setup)
        load.run(port=port, builders=floor_builder, seconds=3, concurrency=CONCURRENCY)  # warm every worker
        floor = measured_load(port, server, floor_builder)
        load.run(port=port, builders=mix[:-1], seconds=3, concurrency=CONCURRENCY)
        rows_before, bytes_before = audit_log_size(database)
        mixed = measured_load(port, server, mix)
        rows_after, bytes_after = audit_log_size(database)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    ratio = float(mixed["throughput_rps"]) / float(floor["throughput_rps"])  # type: ignore[arg-type]
    views = max(int(mixed["requests"]), 1)  # type: ignore[call-overload]
    audit = {
        "page_views": views,
        "rows": rows_after - rows_before,
        "bytes": bytes_after - bytes_before,
        "rows_per_1000_views": round((rows_after - rows_before) * 1000 / views),
        "kb_per_1000_views": round((bytes_after - bytes_before) * 1000 / views / 1024),
        "rows_after": rows_after,
        "mb_after": round(bytes_after / 2**20, 1),
    }
    return {"floor": floor, "mixed": mixed, "ratio_of_floor": round(ratio, 3), "read_audit": audit}


def sweep(database: str, workers: int) -> dict[str, Any]:
    start_at = time.time() + 8  # time for each process to import Django and connect
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [PYTHON, "-m", "bench.measure", "sweep", str(start_at), str(worker), str(workers)],
            cwd=ROOT,
            env=child_env(database),
            stdout=subprocess.PIPE,
            text=True,
        )
        for worker in range(workers)
    ]
    outputs = [json.loads(process.communicate()[0].strip().splitlines()[-1]) for process in processes]
    late = max(output["started"] for output in outputs) - start_at
    with psycopg.connect(database_url(database)) as conn:
        row = conn.execute("SELECT count(*) FROM patient_collections_reminder WHERE status = 'queued'").fetchone()
    # CPU of each worker with its database backend: the busiest worker bounds the sweep on an idle machine.
    worker_cpu = [output["cpu_s"] + (output["db_cpu_s"] or 0.0) for output in outputs]
    return {
        "workers": workers,
        "seconds": round(max(output["finished"] for output in outputs) - start_at, 2),
        "cpu_s": round(sum(worker_cpu), 2),
        "busiest_worker_cpu_s": round(max(worker_cpu), 2),
        "db_cpu_measured": all(output["db_cpu_s"] is not None for output in outputs),
        "queries": sum(output["queries"] for output in outputs),
        "examined": sum(output["examined"] for output in outputs),
        "reminders_queued": row[0] if row else 0,
        "latest_start_s": round(late, 2),
    }


def bench_size(size: int, sampler: LoadSampler) -> dict[str, Any]:
    started = time.time()
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.time()
        steps[name] = round(now - since, 1)
        return now

    print(f"[{size}] seeding", flush=True)
    clone(TEMPLATE_DB, BENCH_DB)
    seeded = seed(BENCH_DB, size)
    mark = step("seed", started)
    sizes = table_sizes(BENCH_DB)
    # One copy for the two-worker sweep; the one-worker sweep runs on the seeded database itself, before anything
    # else writes to it, so both sweeps see the same work.
    clone(BENCH_DB, SWEEP_DB)
    mark = step("clone for the sweep", mark)
    print(f"[{size}] sweep, one worker", flush=True)
    one = sweep(BENCH_DB, 1)
    mark = step("sweep, one worker", mark)
    print(f"[{size}] pages", flush=True)
    setup = measure(BENCH_DB, "setup")
    setup_file = RESULTS / f".setup-{size}.json"
    setup_file.write_text(json.dumps(setup))
    try:
        pages = measure(BENCH_DB, "pages", str(setup_file))
        mark = step("pages", mark)
        pdf_engine = measure(BENCH_DB, "pdf-engine")
        lifecycle = measure(BENCH_DB, "lifecycle", str(LIFECYCLE_SECONDS))
        mark = step("PDF, engine, write path", mark)
        print(f"[{size}] bank files", flush=True)
        bank_import = measure(BENCH_DB, "bank-import", str(BANK_PAYMENTS))
        mark = step("bank files", mark)
        print(f"[{size}] load", flush=True)
        load_result = mixed_load(BENCH_DB, setup)
        mark = step("mixed load", mark)
    finally:
        setup_file.unlink()
    drop(BENCH_DB)  # before the second sweep: never two copies of the largest size on disk longer than needed
    print(f"[{size}] sweep, two workers", flush=True)
    two = sweep(SWEEP_DB, 2)
    drop(SWEEP_DB)
    step("sweep, two workers", mark)
    return {
        "invoices": size,
        "seed_seconds": seeded["seconds"],
        "seed_peak_rss_mb": seeded["peak_rss_mb"],
        "seed_summary": seeded["summary"],
        "database_size": sizes,
        "heavy_patient_invoices": setup["heavy_patient_invoices"],
        "portal_bills": setup["portal_bills"],
        "pages": pages,
        "load": load_result,
        "sweep": {
            "one": one,
            "two": two,
            "speedup": round(one["seconds"] / max(two["seconds"], 0.001), 2),
            "cpu_speedup": round(one["busiest_worker_cpu_s"] / max(two["busiest_worker_cpu_s"], 0.001), 2),
        },
        "pdf_engine": pdf_engine,
        "lifecycle": lifecycle,
        "bank_import": bank_import,
        "step_seconds": steps,
        "minutes": round((time.time() - started) / 60, 1),
        "load_average": sampler.between(started, time.time()),
    }


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)  # whitenoise warns when STATIC_ROOT is missing
    sampler = LoadSampler()
    sampler.start()
    began = time.time()
    results: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()},
        "settings": {
            "sizes": SIZES,
            "load_seconds": LOAD_SECONDS,
            "concurrency": CONCURRENCY,
            "gunicorn_workers": GUNICORN_WORKERS,
            "page_iterations": int(os.environ.get("BENCH_ITERATIONS", "30")),
        },
        "sizes": {},
    }
    try:
        print("migrating the template database", flush=True)
        drop(TEMPLATE_DB)
        admin(f'CREATE DATABASE "{TEMPLATE_DB}"')
        django(TEMPLATE_DB, "manage.py", "migrate", "--noinput", "-v", "0")
        for size in SIZES:
            results["sizes"][str(size)] = bench_size(size, sampler)
    finally:
        for name in (BENCH_DB, TEMPLATE_DB, SWEEP_DB):
            drop(name)
        sampler.stop.set()
    results["machine"]["load_average_during_run"] = sampler.between(began, time.time())
    results["minutes"] = round((time.time() - began) / 60, 1)
    results["targets"] = report.targets(results)
    stem = RESULTS / results["date"]
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    plot_name: str | None = stem.with_suffix(".png").name
    try:
        report.plot(results, stem.with_suffix(".png"))
    except ImportError:  # matplotlib is an optional dependency (`make bench` installs it): the figures are written
        print("matplotlib is not installed: no plot", flush=True)
        plot_name = None
    stem.with_suffix(".md").write_text(report.markdown(results, plot_name))
    print(f"wrote {stem}.json, .md{' and .png' if plot_name else ''}", flush=True)


if __name__ == "__main__":
    main()
