"""The Makefile's own logic, run for real with stand-ins: `make serve` (how `make run` ends) stops the worker
and the web server together, and `make system-libraries` (how `make test` starts) stops without Pango.

Neither test installs anything: `serve` and `system-libraries` have no prerequisites.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from clinic_billing import system_libraries

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make") or "make"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

# A worker or a server: says it started, says when SIGTERM stopped it, and otherwise runs until told to exit.
STAND_IN = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path

    name, folder, exit_status = sys.argv[1], Path(sys.argv[2]), sys.argv[3]

    def stop(signum, frame):
        (folder / f"{name}.stopped").write_text(signal.Signals(signum).name)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    (folder / f"{name}.started").write_text("")
    if exit_status != "never":
        # Only once the worker listens for SIGTERM: before that, the signal would kill it unrecorded.
        while not (folder / "worker.started").exists():
            time.sleep(0.05)
        sys.exit(int(exit_status))
    while True:
        time.sleep(0.1)
    """
)

# Hides Pango from ctypes, as on a machine without it, for the Python the check runs with.
HIDE_PANGO = textwrap.dedent(
    """
    import ctypes

    real_init = ctypes.CDLL.__init__

    def init(self, name, *args, **kwargs):
        if "pango" in str(name):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        real_init(self, name, *args, **kwargs)

    ctypes.CDLL.__init__ = init
    """
)


def wait_for(path: Path, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def start_serve(folder: Path, *, server_exits_with: str = "never") -> subprocess.Popen:
    script = folder / "stand_in.py"
    script.write_text(STAND_IN)
    return subprocess.Popen(  # noqa: S603 - make from PATH with fixed arguments and our own stand-ins
        [
            MAKE,
            "--no-print-directory",
            "serve",
            f"RUN_WORKER={sys.executable} {script} worker {folder} never",
            f"RUN_SERVER={sys.executable} {script} server {folder} {server_exits_with}",
            f"RUN_WORKER_LOG={folder / 'worker.log'}",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own process group, so that a Ctrl-C can be sent to make's group as a terminal does.
        start_new_session=True,
    )


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda make: make.send_signal(signal.SIGTERM), id="SIGTERM to make alone"),
        pytest.param(lambda make: os.killpg(make.pid, signal.SIGINT), id="Ctrl-C to the terminal's group"),
    ],
)
def test_it_stops_the_worker_and_the_server_when_make_is_stopped(tmp_path, stop):
    make = start_serve(tmp_path)
    try:
        assert wait_for(tmp_path / "worker.started") and wait_for(tmp_path / "server.started")

        stop(make)
        output, _ = make.communicate(timeout=30)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)

    assert (tmp_path / "worker.stopped").read_text() == "SIGTERM"
    assert (tmp_path / "server.stopped").read_text() == "SIGTERM"
    assert "Stopping the web server and the Celery worker." in output
    assert make.returncode != 0


def test_it_stops_the_worker_when_the_server_exits_and_fails_with_its_status(tmp_path):
    make = start_serve(tmp_path, server_exits_with="3")
    try:
        output, _ = make.communicate(timeout=30)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)

    assert (tmp_path / "worker.stopped").read_text() == "SIGTERM"
    assert "Error 3" in output
    assert make.returncode == 2


def test_it_stops_make_system_libraries_with_the_install_command_when_pango_is_missing(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(HIDE_PANGO)
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}

    result = subprocess.run(  # noqa: S603 - make from PATH with fixed arguments
        [MAKE, "--no-print-directory", "system-libraries", f"PYTHON_FOR_VENV={sys.executable}"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "PDFs need system libraries that this machine lacks: Pango, PangoFT2." in result.stderr
    assert system_libraries.install_hint() in result.stderr


def test_it_passes_make_system_libraries_silently_when_they_are_present():
    result = subprocess.run(  # noqa: S603 - make from PATH with fixed arguments
        [MAKE, "--no-print-directory", "system-libraries", f"PYTHON_FOR_VENV={sys.executable}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_readme_names_the_library_check_make_run_uses():
    root = PROJECT_ROOT
    run = re.search(r"^run: (.*?) ##", (root / "Makefile").read_text(), re.MULTILINE)
    assert run is not None
    check = next(target for target in run.group(1).split() if target.startswith("system-libraries"))
    readme = (root / "README.md").read_text()
    section = readme.split("## What `make run` does", 1)[1].split("\n## ", 1)[0]

    assert f"`make {check}`" in section
    assert "system libraries (`make system-libraries`," not in section
