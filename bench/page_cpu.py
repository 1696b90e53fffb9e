"""Python CPU per page, for comparing two versions of the code on one database (docs/scaling.md, "Page CPU").

    python -m bench.page_cpu SETUP_FILE [--rounds 40] [--profile PAGE]

SETUP_FILE is what `python -m bench.measure setup` printed for this database. The pages are requested in turn,
round after round (so a burst of load on a shared machine falls on all of them alike), through the full
middleware stack with django.test.Client; each request's CPU is the process's CPU time (time.process_time),
which a busy machine inflates far less than the wall time. Prints one JSON object: per page the median CPU in
ms and the query count. `--profile PAGE` prints that page's cProfile (CPU time) instead.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

WARMUP = 3


def page_calls(data: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    staff = Client()
    staff.cookies["sessionid"] = data["staff_session"]
    api = Client(HTTP_AUTHORIZATION=f"Token {data['token']}")
    portal = Client()
    portal.cookies["sessionid"] = data["portal_sessions"][0]["session"]
    detail = data["detail_invoice"]
    return {
        "staff worklist": lambda: staff.get(reverse("frontdesk:home")),
        "patient account (50 invoices)": lambda: staff.get(
            reverse("frontdesk:patient-detail", args=[data["heavy_patient"]])
        ),
        "invoice detail": lambda: staff.get(reverse("frontdesk:invoice-detail", args=[detail])),
        "approval queue": lambda: staff.get(reverse("disputes:adjustment-queue")),
        "invoice API GET": lambda: api.get(reverse("api-invoice-detail", args=[detail])),
        "portal bill list": lambda: portal.get(data["portal_bills"]),
    }


def measure(calls: dict[str, Callable[[], Any]], rounds: int) -> dict[str, Any]:
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    queries: dict[str, int] = {}
    for round_number in range(WARMUP + rounds):
        for name, call in calls.items():
            with CaptureQueriesContext(connection) as captured:
                started = time.process_time()
                response = call()
                elapsed = time.process_time() - started
            if response.status_code != 200:
                raise SystemExit(f"{name}: {response.status_code}")
            if round_number >= WARMUP:
                cpu[name].append(elapsed * 1000)
                queries[name] = len(captured)
    return {
        name: {"cpu_median_ms": round(statistics.median(times), 2), "queries": queries[name]}
        for name, times in cpu.items()
    }


def profile(call: Callable[[], Any], rounds: int) -> None:
    for _ in range(WARMUP):
        call()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(rounds):
        call()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("setup_file")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--profile", metavar="PAGE")
    arguments = parser.parse_args()
    with open(arguments.setup_file) as setup_file:
        calls = page_calls(json.load(setup_file))
    if arguments.profile:
        profile(calls[arguments.profile], arguments.rounds)
    else:
        print(json.dumps({"load_average": os.getloadavg()[0], "pages": measure(calls, arguments.rounds)}))


if __name__ == "__main__":
    main()
