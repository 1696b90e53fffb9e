"""The Django side of the benchmark, one subcommand per measurement, each printing one JSON object.

Run by bench/run.py with DJANGO_SETTINGS_MODULE=bench.settings and DATABASE_URL set to the bench database:

    python -m bench.measure setup            users, sessions, a token and the ids the other steps use
    python -m bench.measure pages FILE       server time and queries of each page, in-process
    python -m bench.measure sweep START_AT   one reminder-sweep worker, started at a shared instant
    python -m bench.measure pdf-engine       invoice PDF rendering and policy-engine decisions per second
    python -m bench.measure lifecycle SECS   invoices drafted, issued and paid per second through the services
    python -m bench.measure bank-import N    an OCR Giro and a camt.054 file of N payments imported, then again
"""

import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench.load import process_cpu_s  # noqa: E402
from clinic_billing.roles import BILLING, OFFICE_MANAGER  # noqa: E402
from disputes import policy as engine  # noqa: E402
from disputes.services import policy_active, policy_snapshot  # noqa: E402
from invoices import services as invoice_services  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from invoices.pdf import invoice_pdf_bytes  # noqa: E402
from invoices.selectors import invoice_detail  # noqa: E402
from mfa.services import requires_two_factor  # noqa: E402
from patient_collections.services import reminders_sweep  # noqa: E402
from patients.models import Patient  # noqa: E402

ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", "30"))
WARMUP = 3
PORTAL_USERS = 20
COMPLAINT_POOL = 1500
PAGES_COMPLAINTS = 100  # the first complaints of the pool are for the pages; the load takes the rest
FLOOR = "floor (empty view)"  # the name bench/report.py reads the floor's figures by
CATEGORIES = ("billing_error", "coverage_misunderstanding", "invoice_question", "cannot_pay", "partial_payment")
rng = random.Random(42)  # noqa: S311 - choosing sample rows, not secrets


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def portal_bills_path(patient_id: int) -> str | None:
    """The portal's bill list if that page exists yet (it is built in its own issue)."""
    for kwargs in ({}, {"patient_id": patient_id}):
        try:
            return reverse("portal:portal-bills", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def session_for(user: User) -> str:
    """A signed-in session; for staff, one that has passed the second step with their authenticator app."""
    client = Client()
    client.force_login(user)
    if requires_two_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Benchmark authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client.cookies["sessionid"].value


def setup() -> dict[str, Any]:
    """Staff and portal users with sessions, an API token, and the rows every measurement uses."""
    staff, _created = User.objects.get_or_create(username="bench_manager")
    staff.groups.add(*Group.objects.filter(name__in=[OFFICE_MANAGER, BILLING]))
    token, _created = Token.objects.get_or_create(user=staff)
    heavy = Patient.objects.annotate(n=Count("invoices")).order_by("-n", "id").values_list("id", "n").first()
    assert heavy is not None
    heavy_id, heavy_count = heavy
    others = Patient.objects.exclude(pk=heavy_id).order_by("?").values_list("id", flat=True)[:PORTAL_USERS]
    portal_patients = [heavy_id, *others]
    portal_sessions = []
    for patient_id in portal_patients:
        user, _created = User.objects.get_or_create(username=f"bench_patient_{patient_id}")
        Patient.objects.filter(pk=patient_id).update(user=user)
        path = portal_bills_path(patient_id) or reverse("portal:portal-home")
        portal_sessions.append({"patient_id": patient_id, "session": session_for(user), "path": path})
    issued = Invoice.objects.issued()
    # The heavy patient's invoice with the most reminders and no plan: the same shape at every size.
    by_reminders = (
        issued.filter(patient_id=heavy_id, payment_plans__isnull=True)
        .annotate(r=Count("reminders"))
        .order_by("-r", "id")
    )
    detail_invoice = by_reminders.values_list("id", flat=True).first()
    sample = list(issued.order_by("?").values_list("id", flat=True)[:300])
    complaint_pool = list(
        issued.filter(complaints__isnull=True).order_by("?").values_list("patient_id", "id")[:COMPLAINT_POOL]
    )
    patients = list(Patient.objects.order_by("?").values_list("id", flat=True)[:300])
    return {
        "staff_session": session_for(staff),
        "token": token.key,
        "heavy_patient": heavy_id,
        "heavy_patient_invoices": heavy_count,
        "detail_invoice": detail_invoice,
        "invoice_sample": sample,
        "patient_sample": patients,
        "complaint_pool": complaint_pool,
        "portal_sessions": portal_sessions,
        "portal_bills": portal_bills_path(heavy_id),
        "paths": {
            "worklist": reverse("frontdesk:home"),
            "approval_queue": reverse("disputes:adjustment-queue"),
            "complaint_create": reverse("api-complaint-list"),
            "patient_account": [reverse("frontdesk:patient-detail", args=[p]) for p in patients],
            "invoice_detail": [reverse("frontdesk:invoice-detail", args=[i]) for i in sample],
            "invoice_api": [reverse("api-invoice-detail", args=[i]) for i in sample],
        },
    }


def measure(call: Callable[[int], Any], expect: int) -> dict[str, Any]:
    """Median and p95 of server time and the query count of each call; every call must answer `expect`."""
    times: list[float] = []
    cpu_times: list[float] = []
    queries: list[int] = []
    for iteration in range(WARMUP + ITERATIONS):
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = call(iteration)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if response.status_code != expect:
            raise SystemExit(f"{response.status_code} instead of {expect}: {response.content[:300]!r}")
        if iteration >= WARMUP:
            times.append(elapsed * 1000)
            cpu_times.append(cpu * 1000)
            queries.append(len(captured))
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        # Python CPU of the request alone: what the page costs when the machine is not shared.
        "cpu_median_ms": round(statistics.median(cpu_times), 2),
        "queries": max(queries),
        "queries_min": min(queries),
    }


def pages(setup_file: str) -> dict[str, Any]:
    """Each page measured in-process through the full middleware stack with django.test.Client."""
    data = json.loads(open(setup_file).read())  # noqa: SIM115 - read once, closed by the garbage collector
    staff = Client()
    staff.cookies["sessionid"] = data["staff_session"]
    api = Client(HTTP_AUTHORIZATION=f"Token {data['token']}")
    portal = Client()
    portal.cookies["sessionid"] = data["portal_sessions"][0]["session"]
    detail = data["detail_invoice"]
    pool = list(data["complaint_pool"][:PAGES_COMPLAINTS])

    def complaint(iteration: int) -> Any:
        patient_id, invoice_id = pool.pop()
        body = {
            "patient": patient_id,
            "invoice": invoice_id,
            "lines": [],
            "channel": "phone",
            "category": CATEGORIES[iteration % len(CATEGORIES)],
            "description": "The patient says the bill is wrong.",
        }
        return api.post(reverse("api-complaint-list"), body, content_type="application/json")

    plan: dict[str, tuple[Callable[[int], Any], int]] = {
        "staff worklist": (lambda i: staff.get(reverse("frontdesk:home")), 200),
        "patient account (50 invoices)": (
            lambda i: staff.get(reverse("frontdesk:patient-detail", args=[data["heavy_patient"]])),
            200,
        ),
        "invoice detail": (lambda i: staff.get(reverse("frontdesk:invoice-detail", args=[detail])), 200),
        "approval queue": (lambda i: staff.get(reverse("disputes:adjustment-queue")), 200),
        "aging report": (lambda i: staff.get(reverse("collections:aging-report")), 200),
        "invoice API GET": (lambda i: api.get(reverse("api-invoice-detail", args=[detail])), 200),
        "complaint-intake API POST": (complaint, 201),
    }
    if data["portal_bills"]:
        plan["portal bill list"] = (lambda i: portal.get(data["portal_bills"]), 200)
    # What any request costs here before the page does anything: the CPU figure the pages' is read against.
    anonymous = Client()
    plan[FLOOR] = (lambda i: anonymous.get(reverse("bench-floor")), 200)
    results: dict[str, Any] = {name: measure(call, expect) for name, (call, expect) in plan.items()}
    if not data["portal_bills"]:
        results["portal bill list"] = {"missing": "the URL name portal-bills does not exist yet"}
    return results


def sweep(start_at: float, shard: int = 0, shards: int = 1) -> dict[str, Any]:
    """One worker of the reminder sweep (its shard of the invoices), started at an instant shared with the others.

    Besides the wall time it reports the CPU the worker used and the CPU of its PostgreSQL backend (read from
    /proc when the database runs on this machine): how the work splits between workers, which a busy machine
    hides from the wall time."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]
    today = timezone.localdate()
    time.sleep(max(0.0, start_at - time.time()))
    started, cpu_started, db_cpu_started = time.time(), time.process_time(), process_cpu_s(backend_pid)
    with CaptureQueriesContext(connection) as captured:
        result = reminders_sweep(today=today, enqueue=False, shard=shard, shards=shards)
    db_cpu = process_cpu_s(backend_pid)
    return {
        "started": started,
        "finished": time.time(),
        "cpu_s": round(time.process_time() - cpu_started, 3),
        "db_cpu_s": round(db_cpu - db_cpu_started, 3) if db_cpu is not None and db_cpu_started is not None else None,
        "queries": len(captured),
        "examined": result.examined,
        "queued": len(result.reminder_ids),
    }


def pdf_engine() -> dict[str, Any]:
    """Median of 20 invoice PDFs (a four-line invoice) and the pure engine's decisions per second."""
    invoice_id = (
        Invoice.objects.issued()
        .annotate(n=Count("lines"))
        .filter(n=4)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    assert invoice_id is not None, "no issued invoice with four lines"
    renders: list[float] = []
    cpu_renders: list[float] = []
    for iteration in range(22):
        invoice = invoice_detail(invoice_id=invoice_id)
        assert invoice is not None
        started, cpu_started = time.perf_counter(), time.process_time()
        invoice_pdf_bytes(invoice)
        if iteration >= 2:
            renders.append((time.perf_counter() - started) * 1000)
            cpu_renders.append((time.process_time() - cpu_started) * 1000)
    snapshot = policy_snapshot(policy_active())
    facts = [
        engine.Facts(
            category=rng.choice(engine.CATEGORIES),
            disputed_amount=Decimal(rng.randint(0, 500_000)) / 100,
            insurance_status=rng.choice(engine.INSURANCE_STATUSES),
            invoice_age_days=rng.randint(0, 700),
            earlier_complaints=rng.randint(0, 4),
        )
        for _ in range(20_000)
    ]
    rates, cpu_rates = [], []
    for _round in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        for item in facts:
            engine.decide(item, snapshot)
        rates.append(len(facts) / (time.perf_counter() - started))
        cpu_rates.append(len(facts) / (time.process_time() - cpu_started))
    return {
        "pdf_median_ms": round(statistics.median(renders), 1),
        "pdf_p95_ms": round(percentile(renders, 0.95), 1),
        "pdf_cpu_median_ms": round(statistics.median(cpu_renders), 1),
        "engine_decisions_per_s": round(max(rates)),
        "engine_decisions_per_cpu_s": round(max(cpu_rates)),
    }


def lifecycle(seconds: float) -> dict[str, Any]:
    """The write path of one invoice, through the services, for `seconds`: draft, issue, patient payment.

    What PostgreSQL spends per invoice (the sum of query times seen from Django, so an upper bound that
    includes the round trips) is what the scaling estimate in docs/scaling.md divides the primary by.
    """
    patient_id = Patient.objects.order_by("id").values_list("id", flat=True).first()
    assert patient_id is not None
    lines = [
        invoice_services.LineInput("2ad", "Consultation", Decimal("1"), Decimal("183.00")),
        invoice_services.LineInput("701a", "Blood test", Decimal("1"), Decimal("62.00")),
    ]
    done = 0
    query_seconds = 0.0
    query_count = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        # Django keeps the last 9,000 queries only; past that a capture would come back empty.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            draft = invoice_services.invoice_create_draft(
                patient_id=patient_id, service_date=timezone.localdate(), lines=lines, by=None
            )
            invoice = invoice_services.invoice_issue(invoice_id=draft.pk, by=None)
            invoice_services.payment_record(
                invoice_id=invoice.pk, amount=invoice.total, payer="patient", method="card", by=None
            )
        done += 1
        query_count += len(captured)
        query_seconds += sum(float(query["time"]) for query in captured.captured_queries)
    elapsed = time.perf_counter() - started
    return {
        "invoices_per_s": round(done / elapsed, 1),
        "queries_per_invoice": round(query_count / done, 1),
        "db_ms_per_invoice": round(query_seconds * 1000 / done, 2),
        "python_cpu_ms_per_invoice": round((time.process_time() - cpu_started) * 1000 / done, 2),
    }


def _peak_rss_mb() -> float:
    """This process's peak resident memory (the kernel's high-water mark), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bank_import(payments: int) -> dict[str, Any]:
    """Import an OCR Giro file and a camt.054 file of `payments` payments each (1.00 on open invoices by KID, so
    both files post in full), then each file again, which must post nothing.

    Run in a fresh process: the peak memory is the whole process's (interpreter, Django and the import).
    """
    from payments_in.models import BankFile, BankTransaction
    from payments_in.samples import SamplePayment, camt054_file, ocr_giro_file
    from payments_in.services import bank_file_import

    references = list(
        Invoice.objects.filter(status=Invoice.Status.ISSUED, balance__gt=Decimal("2.00"))
        .exclude(payment_reference=None)
        .order_by("id")
        .values_list("payment_reference", flat=True)[:payments]
    )
    day = timezone.localdate()
    first_seed = BankTransaction.objects.count()  # new bank ids on a database that has seen an import before
    # Fewer open invoices than payments: some get two (1.00 each, so each still posts in full).
    kids = [str(references[n % len(references)]) for n in range(payments)] if references else []
    sample = [
        SamplePayment(kid, Decimal("1.00"), day, "Bench Payer", seed=first_seed + n) for n, kid in enumerate(kids)
    ]
    files = {
        "ocr_giro": ocr_giro_file(sample, transmission_number=f"{first_seed % 10**7:07d}"),
        "camt.054": camt054_file(sample, message_id=f"BENCH-{first_seed}"),
    }
    rss_before = _peak_rss_mb()
    result: dict[str, Any] = {"payments": len(sample), "rss_before_import_mb": rss_before}
    for name, content in files.items():
        for run in ("import", "reimport"):
            started, cpu_started = time.perf_counter(), time.process_time()
            bank_file = bank_file_import(content=content, filename=name, source=BankFile.Source.API, by=None)
            seconds = time.perf_counter() - started
            assert bank_file.status == BankFile.Status.IMPORTED, bank_file.refusal_reason
            result[f"{name} {run}"] = {
                "seconds": round(seconds, 2),
                "python_cpu_s": round(time.process_time() - cpu_started, 2),
                "per_s": round(len(sample) / seconds, 1),
                "posted": bank_file.posted_count,
                "queued": bank_file.queued_count,
                "duplicates": bank_file.duplicate_count,
            }
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "setup":
        result = setup()
    elif command == "pages":
        result = pages(args[0])
    elif command == "sweep":
        result = sweep(float(args[0]), *(int(arg) for arg in args[1:]))
    elif command == "pdf-engine":
        result = pdf_engine()
    elif command == "lifecycle":
        result = lifecycle(float(args[0]))
    elif command == "bank-import":
        result = bank_import(int(args[0]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
