"""Are WeasyPrint's system libraries here, and if not, which command installs them on this machine?

`make run` and `make test` run this file before anything else, with the Python that will create the virtual
environment (so before Django, the settings or even WeasyPrint are installed): it uses the standard library
only, is run by path (importing the `clinic_billing` package would load Celery), and stays valid on an older
Python so that it can still say what is missing.

    python clinic_billing/system_libraries.py            # print what is missing (exit 0): `make run`
    python clinic_billing/system_libraries.py --require  # the same, but exit 1 when something is missing: `make test`
    python clinic_billing/system_libraries.py --banner   # one line for `make run`'s banner, nothing when all is well

The libraries are loaded the way WeasyPrint loads them (the names it tries, in its order), so a library this
check finds is one WeasyPrint finds. `manage.py check` warns with the same hint when importing WeasyPrint fails.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from collections.abc import Callable, Mapping, Sequence

# What WeasyPrint's text/ffi.py opens at import time and cannot do without, with the names it tries.
REQUIRED_LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "GObject",
        ("libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0", "libgobject-2.0.so.0", "libgobject-2.0.0.dylib"),
    ),
    ("Pango", ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0", "libpango-1.0.dylib")),
    ("HarfBuzz", ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0", "libharfbuzz.0.dylib")),
    ("Fontconfig", ("libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.so.1", "libfontconfig.1.dylib")),
    (
        "PangoFT2",
        ("libpangoft2-1.0-0", "pangoft2-1.0-0", "pangoft2-1.0", "libpangoft2-1.0.so.0", "libpangoft2-1.0.dylib"),
    ),
)

# The packages WeasyPrint's installation guide names, plus a font so that PDFs have glyphs; the Debian list
# is the one .ci/run installs.
DEBIAN_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
FEDORA_PACKAGES = "pango dejavu-sans-fonts"
ALPINE_PACKAGES = "pango font-dejavu"
ARCH_PACKAGES = "pango ttf-dejavu"
HOMEBREW_LIBRARY_DIRECTORY = "/opt/homebrew/lib"
GUIDE = "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html#installation"

Loader = Callable[[str], object]


def _dlopen(name: str) -> object:
    # RTLD_NOW, as WeasyPrint asks cffi for: a library with an unresolved symbol fails here as it would there.
    return ctypes.CDLL(name, mode=os.RTLD_NOW | getattr(os, "RTLD_LOCAL", 0))


def missing_libraries(load: Loader = _dlopen) -> list[str]:
    """The names of the required libraries that none of WeasyPrint's candidate file names loads."""
    missing = []
    for label, candidates in REQUIRED_LIBRARIES:
        for candidate in candidates:
            try:
                load(candidate)
            except OSError:
                continue
            break
        else:
            missing.append(label)
    return missing


def read_os_release(path: str = "/etc/os-release") -> dict[str, str]:
    """The KEY=value pairs of os-release(5); empty when the file is absent (macOS, Windows)."""
    fields: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as release:
            lines = release.read().splitlines()
    except OSError:
        return fields
    for line in lines:
        key, separator, value = line.partition("=")
        if separator and not key.startswith("#"):
            fields[key.strip()] = value.strip().strip("\"'")
    return fields


def install_command(*, platform: str, os_release: Mapping[str, str], as_root: bool) -> str | None:
    """The command that installs the libraries here, or None when this is no system we know."""
    if platform == "darwin":
        return "brew install pango"
    if not platform.startswith("linux"):
        return None
    families = {os_release.get("ID", "").lower(), *os_release.get("ID_LIKE", "").lower().split()}
    sudo = "" if as_root else "sudo "
    if families & {"debian", "ubuntu"}:
        return f"{sudo}apt-get install {DEBIAN_PACKAGES}"
    if families & {"fedora", "rhel", "centos"}:
        return f"{sudo}dnf install {FEDORA_PACKAGES}"
    if "alpine" in families:
        return f"{sudo}apk add {ALPINE_PACKAGES}"
    if "arch" in families:
        return f"{sudo}pacman -S {ARCH_PACKAGES}"
    return None


def this_machines_install_command() -> str | None:
    """`install_command` for the machine this runs on."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return install_command(platform=sys.platform, os_release=read_os_release(), as_root=as_root)


def install_hint(
    *,
    platform: str | None = None,
    os_release: Mapping[str, str] | None = None,
    as_root: bool | None = None,
    homebrew_pango_present: bool | None = None,
) -> str:
    """One sentence: the command to run on this machine (or where to look when the system is unknown)."""
    platform = sys.platform if platform is None else platform
    os_release = read_os_release() if os_release is None else os_release
    as_root = (hasattr(os, "geteuid") and os.geteuid() == 0) if as_root is None else as_root
    command = install_command(platform=platform, os_release=os_release, as_root=as_root)
    if command is None:
        return f"Install Pango (with HarfBuzz, Fontconfig and GObject) from your system's packages: {GUIDE}"
    hint = f"Install them with: {command}"
    if platform == "darwin":
        if homebrew_pango_present is None:
            homebrew_pango_present = os.path.exists(f"{HOMEBREW_LIBRARY_DIRECTORY}/libpango-1.0.dylib")
        if homebrew_pango_present:
            # Homebrew on Apple silicon keeps its libraries where the dynamic loader does not look by default.
            hint += f" (already installed? then export DYLD_FALLBACK_LIBRARY_PATH={HOMEBREW_LIBRARY_DIRECTORY})"
    return hint


def report(missing: Sequence[str], hint: str) -> str:
    """The message printed when something is missing."""
    return (
        f"PDFs need system libraries that this machine lacks: {', '.join(missing)}.\n"
        f"{hint}\n"
        "Without them every page works except invoices, letters and estimates as PDF."
    )


def main(argv: Sequence[str] | None = None, *, load: Loader = _dlopen) -> int:
    parser = argparse.ArgumentParser(description="Check WeasyPrint's system libraries.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--require", action="store_true", help="exit 1 when a library is missing")
    mode.add_argument("--banner", action="store_true", help="one line for make run's banner, or nothing")
    arguments = parser.parse_args(argv)
    missing = missing_libraries(load)
    if not missing:
        return 0
    hint = install_hint()
    if arguments.banner:
        print(f"  PDFs:           unavailable, {', '.join(missing)} missing. {hint}")
        return 0
    print(report(missing, hint), file=sys.stderr)
    if arguments.require:
        print("The tests include the PDFs, so they stop here.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
