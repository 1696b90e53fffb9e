"""The benchmark's report: targets checked at the largest size, a Markdown summary and a PNG plot."""

from pathlib import Path
from typing import Any

PAGE_P95_MS = 50.0
AGING_P95_MS = 500.0


def _pages(results: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for size in results["sizes"].values():
        names += [name for name, page in size["pages"].items() if "missing" not in page and name not in names]
    return names


def _lifecycle(figures: dict[str, Any]) -> str:
    return f"{figures['db_ms_per_invoice']} / {figures['queries_per_invoice']}"


def _pair(sweep: dict[str, Any], key: str) -> str:
    return f"{sweep['one'].get(key, '–')} / {sweep['two'].get(key, '–')}"


def _per_request(load: dict[str, Any], key: str) -> str:
    return f"{load['floor'].get(key, '–')} / {load['mixed'].get(key, '–')}"


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 6 with the measured figure at the largest size, and whether it is met."""
    sizes = results["sizes"]
    largest = sizes[max(sizes, key=int)]
    rows: list[dict[str, Any]] = []

    def add(name: str, target: str, value: Any, met: bool) -> None:
        rows.append({"name": name, "target": target, "value": value, "met": bool(met)})

    for page in _pages(results):
        counts = [size["pages"][page]["queries"] for size in sizes.values() if page in size["pages"]]
        add(f"{page}: queries", "constant in data size", " → ".join(map(str, counts)), len(set(counts)) == 1)
        limit = AGING_P95_MS if page == "aging report" else PAGE_P95_MS
        p95 = largest["pages"].get(page, {}).get("p95_ms")
        add(f"{page}: server p95", f"≤ {limit:g} ms", f"{p95} ms", p95 is not None and p95 <= limit)
    load = largest["load"]
    add("mixed load p95", "≤ 200 ms", f"{load['mixed']['p95_ms']} ms", load["mixed"]["p95_ms"] <= 200)
    add("mixed load errors", "0", load["mixed"]["errors"], load["mixed"]["errors"] == 0)
    add(
        "mixed load throughput / floor",
        "≥ 35 %",
        f"{load['ratio_of_floor']:.0%} ({load['mixed']['throughput_rps']} of {load['floor']['throughput_rps']} req/s)",
        load["ratio_of_floor"] >= 0.35,
    )
    sweep = largest["sweep"]
    add("reminder sweep, one worker", "≤ 20 s", f"{sweep['one']['seconds']} s", sweep["one"]["seconds"] <= 20)
    add("reminder sweep, two workers", "≥ 1.7× faster", f"{sweep['speedup']}×", sweep["speedup"] >= 1.7)
    bank = largest.get("bank_import")
    if bank:
        for name in ("ocr_giro", "camt.054"):
            first, again = bank[f"{name} import"], bank[f"{name} reimport"]
            add(
                f"bank file {name}, {bank['payments']:,} payments",
                "≤ 60 s",
                f"{first['seconds']} s ({first['per_s']:,}/s)",
                first["seconds"] <= 60,
            )
            add(
                f"bank file {name} again",
                "≤ 10 s, posts nothing",
                f"{again['seconds']} s, {again['posted']} posted",
                again["seconds"] <= 10 and again["posted"] == 0,
            )
        add("bank import peak memory", "≤ 300 MB", f"{bank['peak_rss_mb']} MB", bank["peak_rss_mb"] <= 300)
    pdf = largest["pdf_engine"]
    add("invoice PDF, median of 20", "≤ 250 ms", f"{pdf['pdf_median_ms']} ms", pdf["pdf_median_ms"] <= 250)
    add(
        "policy engine",
        "≥ 50,000 decisions/s",
        f"{pdf['engine_decisions_per_s']:,} /s",
        pdf["engine_decisions_per_s"] >= 50_000,
    )
    return rows


def markdown(results: dict[str, Any], plot_name: str) -> str:
    sizes = results["sizes"]
    keys = sorted(sizes, key=int)
    largest = max(keys, key=int)
    settings = results["settings"]
    machine = results["machine"]
    during = machine["load_average_during_run"]
    lines = [
        f"# Benchmark {results['date']}",
        "",
        f"PostgreSQL, {machine['cores']} cores shared with other work: load average during the run "
        f"{during['min']:.1f}–{during['max']:.1f} (median {during['median']:.1f}). "
        f"Sizes {', '.join(f'{int(k):,}' for k in keys)} invoices; {settings['page_iterations']} requests per page; "
        f"mixed load {settings['load_seconds']:g} s with {settings['concurrency']} clients against gunicorn "
        f"({settings['gunicorn_workers']} sync workers); whole run {results.get('minutes', '?')} min.",
        "",
        f"## Targets at {int(largest):,} invoices",
        "",
        "| figure | target | measured | met |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row['name']} | {row['target']} | {row['value']} | {'yes' if row['met'] else '**no**'} |"
        for row in results["targets"]
    ]
    lines += ["", "## Pages (server time in-process, ms: median / p95, Python CPU median; queries)", ""]
    lines += ["| page | " + " | ".join(f"{int(k):,}" for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for page in _pages(results):
        cells = []
        for key in keys:
            figure = sizes[key]["pages"].get(page)
            measured = figure and "queries" in figure
            cells.append(
                f"{figure['median_ms']} / {figure['p95_ms']}, cpu {figure['cpu_median_ms']}; {figure['queries']} q"
                if measured
                else "—"
            )
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    portal = {key: sizes[key]["pages"].get("portal bill list", {}) for key in keys}
    missing = {key: page["missing"] for key, page in portal.items() if "missing" in page}
    if missing:
        lines += ["", f"Portal bill list not measured at {', '.join(missing)}: {next(iter(missing.values()))}."]
    lines += ["", "## Mixed load, sweep, PDF, engine", ""]
    lines += ["| figure | " + " | ".join(f"{int(k):,}" for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]

    def row(label: str, pick: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(str(pick(sizes[key])) for key in keys) + " |")

    row("floor req/s (p95 ms)", lambda s: f"{s['load']['floor']['throughput_rps']} ({s['load']['floor']['p95_ms']})")
    row("mixed req/s (p95 ms)", lambda s: f"{s['load']['mixed']['throughput_rps']} ({s['load']['mixed']['p95_ms']})")
    row("mixed / floor", lambda s: f"{s['load']['ratio_of_floor']:.0%}")
    row("mixed errors", lambda s: s["load"]["mixed"]["errors"])
    row("server CPU ms per request (floor / mixed)", lambda s: _per_request(s["load"], "server_cpu_ms_per_request"))
    row("client CPU ms per request (floor / mixed)", lambda s: _per_request(s["load"], "client_cpu_ms_per_request"))
    row("sweep 1 worker s (queries)", lambda s: f"{s['sweep']['one']['seconds']} ({s['sweep']['one']['queries']})")
    row("sweep 2 workers s (queries)", lambda s: f"{s['sweep']['two']['seconds']} ({s['sweep']['two']['queries']})")
    row("reminders queued (1 / 2 workers)", lambda s: _pair(s["sweep"], "reminders_queued"))
    row("invoices the sweep examined (1 / 2)", lambda s: _pair(s["sweep"], "examined"))
    row("two-worker speedup", lambda s: f"{s['sweep']['speedup']}×")
    row("sweep CPU s incl. database, busiest worker (1 / 2)", lambda s: _pair(s["sweep"], "busiest_worker_cpu_s"))
    row("two-worker CPU split", lambda s: f"{s['sweep'].get('cpu_speedup', '–')}×")
    row("PDF median ms", lambda s: s["pdf_engine"]["pdf_median_ms"])
    row("engine decisions/s", lambda s: f"{s['pdf_engine']['engine_decisions_per_s']:,}")
    row("write path invoices/s, one process", lambda s: s["lifecycle"]["invoices_per_s"])
    row("write path DB ms / queries per invoice", lambda s: _lifecycle(s["lifecycle"]))
    row("PDF CPU ms", lambda s: s["pdf_engine"]["pdf_cpu_median_ms"])
    row("engine decisions per CPU-s", lambda s: f"{s['pdf_engine']['engine_decisions_per_cpu_s']:,}")
    row("seed_scale s", lambda s: s["seed_seconds"])
    row("load average (median)", lambda s: s["load_average"]["median"])
    lines += ["", f"![How each figure grows with the number of invoices]({plot_name})", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    keys = sorted(sizes, key=int)
    x = [int(key) for key in keys]
    figure, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    pages_p95, pages_queries, load_axis, sweep_axis = axes.flat
    for page in _pages(results):
        points = [(int(k), sizes[k]["pages"][page]) for k in keys if page in sizes[k]["pages"]]
        pages_p95.plot([p[0] for p in points], [p[1]["p95_ms"] for p in points], marker="o", label=page)
        pages_queries.plot([p[0] for p in points], [p[1]["queries"] for p in points], marker="o", label=page)
    pages_p95.axhline(PAGE_P95_MS, color="grey", linestyle="--", linewidth=1, label="target 50 ms")
    pages_p95.set(title="Page server time p95 (ms)", xscale="log", yscale="log")
    pages_queries.set(title="Queries per page", xscale="log", ylim=(0, None))
    pages_queries.legend(fontsize=7, loc="lower left")
    load_axis.plot(x, [sizes[k]["load"]["mixed"]["p95_ms"] for k in keys], marker="o", label="mixed p95 ms")
    load_axis.plot(x, [sizes[k]["load"]["mixed"]["throughput_rps"] for k in keys], marker="s", label="mixed req/s")
    load_axis.axhline(200, color="grey", linestyle="--", linewidth=1, label="p95 target 200 ms")
    load_axis.set(title="Mixed load against gunicorn", xscale="log")
    load_axis.legend(fontsize=7, loc="upper left")
    ratio_axis = load_axis.twinx()
    ratio_axis.plot(
        x, [100 * sizes[k]["load"]["ratio_of_floor"] for k in keys], marker="^", color="green", label="% of floor"
    )
    ratio_axis.axhline(35, color="green", linestyle=":", linewidth=1, label="target 35 % of floor")
    ratio_axis.set(ylabel="% of floor throughput", ylim=(0, 100))
    ratio_axis.legend(fontsize=7, loc="upper right")
    sweep_axis.plot(x, [sizes[k]["sweep"]["one"]["seconds"] for k in keys], marker="o", label="1 worker")
    sweep_axis.plot(x, [sizes[k]["sweep"]["two"]["seconds"] for k in keys], marker="s", label="2 workers")
    sweep_axis.axhline(20, color="grey", linestyle="--", linewidth=1, label="target 20 s")
    sweep_axis.set(title="Reminder sweep (s)", xscale="log")
    sweep_axis.legend(fontsize=7)
    for axis in axes.flat:
        axis.set_xlabel("invoices")
        axis.grid(True, which="both", alpha=0.3)
    figure.suptitle(f"Clinic Billing benchmark {results['date']}")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
