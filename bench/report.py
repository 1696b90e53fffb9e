"""The benchmark's report: targets checked at the largest size, a Markdown summary and a PNG plot."""

from pathlib import Path
from typing import Any

PAGE_P95_MS = 50.0
AGING_P95_MS = 500.0
PAGE_CPU_MS = 12.0
SWEEP_SECONDS = 20.0
SWEEP_SPEEDUP = 1.8
BANK_SECONDS = 60.0
BANK_RSS_MB = 300.0
SEED_MINUTES = 10.0
SEED_RSS_MB = 2048.0
FLOOR = "floor (empty view)"  # bench.measure.FLOOR, not imported: that module sets Django up
AGING = "aging report"
TABLES_SHOWN = 20


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
    """Each target of issue 17 (and the earlier ones still held) with the figure at the largest size, and whether
    it is met. Throughput against the floor is no longer a target: the markdown shows it, and CPU per request."""
    sizes = results["sizes"]
    largest = sizes[max(sizes, key=int)]
    rows: list[dict[str, Any]] = []

    def add(name: str, target: str, value: Any, met: bool) -> None:
        rows.append({"name": name, "target": target, "value": value, "met": bool(met)})

    floor_cpu = largest["pages"].get(FLOOR, {}).get("cpu_median_ms")
    for page in _pages(results):
        if page == FLOOR:
            continue
        counts = [size["pages"][page]["queries"] for size in sizes.values() if page in size["pages"]]
        add(f"{page}: queries", "constant in data size", " → ".join(map(str, counts)), len(set(counts)) == 1)
        figures = largest["pages"].get(page, {})
        limit = AGING_P95_MS if page == AGING else PAGE_P95_MS
        p95 = figures.get("p95_ms")
        add(f"{page}: server p95", f"≤ {limit:g} ms", f"{p95} ms", p95 is not None and p95 <= limit)
        cpu = figures.get("cpu_median_ms")
        if page != AGING:
            add(
                f"{page}: Python CPU, median",
                f"≤ {PAGE_CPU_MS:g} ms",
                f"{cpu} ms (floor {floor_cpu if floor_cpu is not None else '–'} ms)",
                cpu is not None and cpu <= PAGE_CPU_MS,
            )
    load = largest["load"]
    add("mixed load errors", "0", load["mixed"]["errors"], load["mixed"]["errors"] == 0)
    sweep = largest["sweep"]
    add(
        "reminder sweep, one worker",
        f"≤ {SWEEP_SECONDS:g} s",
        f"{sweep['one']['seconds']} s",
        sweep["one"]["seconds"] <= SWEEP_SECONDS,
    )
    add(
        "reminder sweep, two workers",
        f"≥ {SWEEP_SPEEDUP}× faster",
        f"{sweep['speedup']}× (CPU split {sweep.get('cpu_speedup', '–')}×)",
        sweep["speedup"] >= SWEEP_SPEEDUP,
    )
    bank = largest.get("bank_import")
    if bank:
        for name in ("ocr_giro", "camt.054"):
            first, again = bank[f"{name} import"], bank[f"{name} reimport"]
            add(
                f"bank file {name}, {bank['payments']:,} payments",
                f"≤ {BANK_SECONDS:g} s",
                f"{first['seconds']} s ({first['per_s']:,}/s)",
                first["seconds"] <= BANK_SECONDS,
            )
            add(
                f"bank file {name} again",
                "≤ 10 s, posts nothing",
                f"{again['seconds']} s, {again['posted']} posted",
                again["seconds"] <= 10 and again["posted"] == 0,
            )
        add(
            "bank import peak memory",
            f"≤ {BANK_RSS_MB:g} MB",
            f"{bank['peak_rss_mb']} MB",
            bank["peak_rss_mb"] <= BANK_RSS_MB,
        )
    seed_seconds, seed_rss = largest["seed_seconds"], largest.get("seed_peak_rss_mb")
    invoices = f"{int(largest['invoices']):,}"
    add(
        f"seed_scale {invoices} invoices",
        f"≤ {SEED_MINUTES:g} min",
        f"{seed_seconds / 60:.1f} min",
        seed_seconds <= SEED_MINUTES * 60,
    )
    add(
        f"seed_scale {invoices} invoices, peak memory",
        f"≤ {SEED_RSS_MB / 1024:g} GB",
        f"{seed_rss} MB" if seed_rss is not None else "–",
        seed_rss is not None and seed_rss <= SEED_RSS_MB,
    )
    pdf = largest["pdf_engine"]
    add("invoice PDF, median of 20", "≤ 250 ms", f"{pdf['pdf_median_ms']} ms", pdf["pdf_median_ms"] <= 250)
    add(
        "policy engine",
        "≥ 50,000 decisions/s",
        f"{pdf['engine_decisions_per_s']:,} /s",
        pdf["engine_decisions_per_s"] >= 50_000,
    )
    return rows


def _header(first: str, keys: list[str]) -> list[str]:
    """A table's heading row with one column per data size, and its rule."""
    return ["| " + first + " | " + " | ".join(f"{int(k):,}" for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]


def _database_size(sizes: dict[str, Any], keys: list[str]) -> list[str]:
    """Each table's size at every size, biggest first at the largest; the smallest tables summed in one row."""
    measured = [key for key in keys if "database_size" in sizes[key]]
    if not measured:
        return []
    largest = measured[-1]
    by_size = {key: {t["table"]: t for t in sizes[key]["database_size"]["tables"]} for key in measured}
    order = [t["table"] for t in sizes[largest]["database_size"]["tables"]]
    lines = [
        "",
        "## Database size (table with its indexes and TOAST, MB; rows as the planner estimates them)",
        "",
        *_header("table", measured),
    ]
    lines += [
        "| whole database | " + " | ".join(f"{sizes[k]['database_size']['database_mb']:,}" for k in measured) + " |"
    ]
    for name in order[:TABLES_SHOWN]:
        cells = []
        for key in measured:
            table = by_size[key].get(name)
            cells.append(f"{table['total_mb']:,} ({table['rows']:,})" if table else "—")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    rest = order[TABLES_SHOWN:]
    if rest:
        cells = [f"{sum(by_size[k][n]['total_mb'] for n in rest if n in by_size[k]):,.1f}" for k in measured]
        lines.append(f"| the other {len(rest)} tables | " + " | ".join(cells) + " |")
    return lines


def _read_audit(sizes: dict[str, Any], keys: list[str]) -> list[str]:
    measured = [key for key in keys if "read_audit" in sizes[key]["load"]]
    if not measured:
        return []
    lines = [
        "",
        "## Read-audit log (`auditlog_logentry`) per 1,000 requests of the mixed load",
        "",
        *_header("figure", measured),
    ]
    for label, key in (
        ("requests measured", "page_views"),
        ("rows written per 1,000", "rows_per_1000_views"),
        ("kB (table, indexes, TOAST) per 1,000", "kb_per_1000_views"),
        ("rows in the table after the run", "rows_after"),
        ("MB after the run", "mb_after"),
    ):
        lines.append(f"| {label} | " + " | ".join(f"{sizes[k]['load']['read_audit'][key]:,}" for k in measured) + " |")
    lines += [
        "",
        "The rows are kept `READ_AUDIT_RETENTION_DAYS` (default ten years) and swept nightly by the `sweep-read-audit` "
        'beat entry (`compliance/read_audit_retention.py`; docs/scaling.md, "The read-audit log").',
    ]
    return lines


def markdown(results: dict[str, Any], plot_name: str | None) -> str:
    """The report; `plot_name` is the plot's file beside it, None when no plot was drawn."""
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
    lines += _header("page", keys)
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
    lines += _header("figure", keys)

    def row(label: str, pick: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(str(pick(sizes[key])) for key in keys) + " |")

    row("floor req/s (p95 ms)", lambda s: f"{s['load']['floor']['throughput_rps']} ({s['load']['floor']['p95_ms']})")
    row("mixed req/s (p95 ms)", lambda s: f"{s['load']['mixed']['throughput_rps']} ({s['load']['mixed']['p95_ms']})")
    row("mixed / floor (information: cores ÷ CPU per request)", lambda s: f"{s['load']['ratio_of_floor']:.0%}")
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
    row("seed_scale s (peak MB)", lambda s: f"{s['seed_seconds']} ({s.get('seed_peak_rss_mb', '–')})")
    row("bank files: payments each", lambda s: f"{s['bank_import']['payments']:,}" if "bank_import" in s else "–")
    row("size, minutes in all", lambda s: s.get("minutes", "–"))
    row("load average (median)", lambda s: s["load_average"]["median"])
    lines += _read_audit(sizes, keys)
    lines += _database_size(sizes, keys)
    timed = [key for key in keys if "step_seconds" in sizes[key]]
    if timed:
        lines += ["", "## Seconds per step", "", *_header("step", timed)]
        for name in sizes[timed[-1]]["step_seconds"]:
            cells = [str(sizes[k]["step_seconds"].get(name, "–")) for k in timed]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if plot_name:
        lines += ["", f"![How each figure grows with the number of invoices]({plot_name})"]
    lines.append("")
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
        if page == FLOOR:
            continue
        points = [(int(k), sizes[k]["pages"][page]) for k in keys if page in sizes[k]["pages"]]
        pages_p95.plot([p[0] for p in points], [p[1]["p95_ms"] for p in points], marker="o", label=page)
        pages_queries.plot([p[0] for p in points], [p[1]["queries"] for p in points], marker="o", label=page)
    pages_p95.axhline(PAGE_P95_MS, color="grey", linestyle="--", linewidth=1, label="target 50 ms")
    pages_p95.set(title="Page server time p95 (ms)", xscale="log", yscale="log")
    pages_queries.set(title="Queries per page", xscale="log", ylim=(0, None))
    pages_queries.legend(fontsize=7, loc="lower left")
    load_axis.plot(x, [sizes[k]["load"]["mixed"]["p95_ms"] for k in keys], marker="o", label="mixed p95 ms")
    load_axis.plot(x, [sizes[k]["load"]["mixed"]["throughput_rps"] for k in keys], marker="s", label="mixed req/s")
    load_axis.set(title="Mixed load against gunicorn", xscale="log")
    load_axis.legend(fontsize=7, loc="upper left")
    cpu_axis = load_axis.twinx()
    cpu_axis.plot(
        x,
        [sizes[k]["load"]["mixed"].get("server_cpu_ms_per_request", 0) for k in keys],
        marker="^",
        color="green",
        label="server CPU ms per request",
    )
    cpu_axis.set(ylabel="server CPU ms per mixed request", ylim=(0, None))
    cpu_axis.legend(fontsize=7, loc="upper right")
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
