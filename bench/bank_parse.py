"""Parse time and peak memory of the bank file parsers on 50,000-payment files (`python -m bench.bank_parse`).

The files are written by `payments_in.samples` into a temporary folder; each is then parsed in a fresh Python
process (`python -m bench.bank_parse FILE`), so its peak resident memory (`VmHWM`) is the parse's alone plus
the interpreter and the imports, which are measured first and shown apart. Not part of `make bench`'s report
(the importer's benchmark, parse and post, is); run it on its own. `BANK_PARSE_PAYMENTS` sets the size.
On a busy machine read the CPU seconds, which other processes affect much less than the wall time.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

PAYMENTS = int(os.environ.get("BANK_PARSE_PAYMENTS", "50000"))


def _configure_django() -> None:
    """The parsers translate their refusals; a bare configuration is enough outside the project's settings."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)


def _max_rss_mb() -> float:
    """Peak resident memory of this process. Linux keeps `ru_maxrss` across fork and exec (a child starts with its
    parent's peak), so the kernel's high-water mark of this process's own memory is read where there is one."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux, bytes on macOS


def measure(path: Path) -> dict[str, float | int | str]:
    """Parse one file in this (fresh) process."""
    _configure_django()
    from payments_in.parsers import parse_bank_file

    content = path.read_bytes()
    before = _max_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    parsed = parse_bank_file(content, filename=path.name)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "format": str(parsed.format),
        "transactions": len(parsed.transactions),
        "file_mb": round(len(content) / 2**20, 1),
        "parse_s": round(seconds, 2),
        "parse_cpu_s": round(cpu_seconds, 2),
        "rss_before_parse_mb": round(before, 1),
        "peak_rss_mb": round(_max_rss_mb(), 1),
    }


def write_files(folder: Path) -> list[Path]:
    _configure_django()
    from payments_in import samples
    from payments_in.parsers.base import FileFormat

    first = date(2026, 3, 2)
    payments = [
        samples.SamplePayment(
            kid=f"{1000000 + number}",
            amount=Decimal(100 + number % 9000) + Decimal(number % 100) / 100,
            paid_on=first + timedelta(days=number % 5),
            payer_name=f"Payer {number}",
            seed=number,
        )
        for number in range(PAYMENTS)
    ]
    files = {
        FileFormat.OCR_GIRO: samples.ocr_giro_file(payments),
        FileFormat.CAMT_054: samples.camt054_file(payments),
    }
    paths = []
    for file_format, content in files.items():
        path = folder / f"{file_format}.bank"
        path.write_bytes(content)
        paths.append(path)
    return paths


def main() -> None:
    if len(sys.argv) == 2:
        print(json.dumps(measure(Path(sys.argv[1]))))
        return
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        paths = write_files(Path(folder))
        print(f"wrote {PAYMENTS:,} payments as OCR Giro and camt.054 in {time.perf_counter() - started:.1f} s")
        for path in paths:
            result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "bench.bank_parse", str(path)], check=True, capture_output=True, text=True
            )
            figures = json.loads(result.stdout)
            print(
                f"{figures['format']:>9}: {figures['transactions']:,} transactions, {figures['file_mb']} MB, "
                f"parsed in {figures['parse_s']} s ({figures['parse_cpu_s']} s CPU), "
                f"peak RSS {figures['peak_rss_mb']} MB "
                f"({figures['rss_before_parse_mb']} MB before parsing: interpreter, imports, the file's bytes)"
            )


if __name__ == "__main__":
    main()
