"""The check `make run` and `make test` start with: which of WeasyPrint's libraries are missing, and the command
that installs them on the machine it runs on."""

import re
from pathlib import Path

import pytest

from clinic_billing import system_libraries
from clinic_billing.system_libraries import install_command, install_hint, main, missing_libraries, read_os_release

DEBIAN_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"


def loader_without(*hidden: str):
    """A dlopen that fails for every file name containing one of `hidden`, as on a machine without them."""

    def load(name: str) -> object:
        if any(part in name for part in hidden):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()

    return load


@pytest.mark.parametrize(
    ("platform", "os_release", "as_root", "expected"),
    [
        ("linux", {"ID": "debian"}, False, f"sudo apt-get install {DEBIAN_PACKAGES}"),
        ("linux", {"ID": "debian"}, True, f"apt-get install {DEBIAN_PACKAGES}"),
        ("linux", {"ID": "ubuntu", "ID_LIKE": "debian"}, False, f"sudo apt-get install {DEBIAN_PACKAGES}"),
        ("linux", {"ID": "linuxmint", "ID_LIKE": "ubuntu debian"}, False, f"sudo apt-get install {DEBIAN_PACKAGES}"),
        ("linux", {"ID": "fedora"}, False, "sudo dnf install pango dejavu-sans-fonts"),
        ("linux", {"ID": "rocky", "ID_LIKE": "rhel centos fedora"}, True, "dnf install pango dejavu-sans-fonts"),
        ("linux", {"ID": "alpine"}, True, "apk add pango font-dejavu"),
        ("linux", {"ID": "arch"}, False, "sudo pacman -S pango ttf-dejavu"),
        ("darwin", {}, False, "brew install pango"),
        ("linux", {"ID": "gentoo"}, False, None),
        ("win32", {}, False, None),
    ],
)
def test_it_names_the_install_command_of_the_machine(platform, os_release, as_root, expected):
    assert install_command(platform=platform, os_release=os_release, as_root=as_root) == expected


def test_it_points_an_unknown_system_to_weasyprints_installation_guide():
    hint = install_hint(platform="linux", os_release={"ID": "gentoo"}, as_root=False)

    assert hint.startswith("Install Pango (with HarfBuzz, Fontconfig and GObject) from your system's packages")
    assert hint.endswith(system_libraries.GUIDE)


def test_it_tells_a_mac_with_homebrews_pango_where_the_loader_should_look():
    with_pango = install_hint(platform="darwin", os_release={}, as_root=False, homebrew_pango_present=True)
    without = install_hint(platform="darwin", os_release={}, as_root=False, homebrew_pango_present=False)

    assert without == "Install them with: brew install pango"
    assert with_pango == (
        "Install them with: brew install pango"
        " (already installed? then export DYLD_FALLBACK_LIBRARY_PATH=/opt/homebrew/lib)"
    )


def test_it_reads_os_release_with_quotes_and_comments(tmp_path):
    path = tmp_path / "os-release"
    path.write_text('# a comment\nPRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n\n')

    assert read_os_release(str(path)) == {"PRETTY_NAME": "Ubuntu 24.04 LTS", "ID": "ubuntu", "ID_LIKE": "debian"}
    assert read_os_release(str(tmp_path / "absent")) == {}


def test_it_lists_each_library_none_of_whose_names_loads():
    assert missing_libraries(loader_without("pango")) == ["Pango", "PangoFT2"]
    assert missing_libraries(loader_without("fontconfig", "gobject")) == ["GObject", "Fontconfig"]
    assert missing_libraries(loader_without()) == []


def test_it_finds_a_library_under_any_of_weasyprints_names():
    # macOS names: the Linux sonames fail, the .dylib loads.
    def load(name: str) -> object:
        if not name.endswith(".dylib"):
            raise OSError(name)
        return object()

    assert missing_libraries(load) == []


@pytest.fixture
def on_debian_as_root(monkeypatch):
    monkeypatch.setattr(system_libraries, "read_os_release", lambda path="/etc/os-release": {"ID": "debian"})
    monkeypatch.setattr(system_libraries.os, "geteuid", lambda: 0)
    monkeypatch.setattr(system_libraries.sys, "platform", "linux")


def test_it_stops_make_test_with_the_message_and_the_command(on_debian_as_root, capsys):
    status = main(["--require"], load=loader_without("pango"))

    assert status == 1
    assert capsys.readouterr().err == (
        "PDFs need system libraries that this machine lacks: Pango, PangoFT2.\n"
        f"Install them with: apt-get install {DEBIAN_PACKAGES}\n"
        "Without them every page works except invoices, letters and estimates as PDF.\n"
        "The tests include the PDFs, so they stop here.\n"
    )


def test_it_lets_make_run_go_on_with_the_same_message(on_debian_as_root, capsys):
    status = main([], load=loader_without("pango"))

    assert status == 0
    err = capsys.readouterr().err
    assert err.startswith("PDFs need system libraries that this machine lacks: Pango, PangoFT2.\n")
    assert "stop here" not in err


def test_it_repeats_the_command_in_one_banner_line(on_debian_as_root, capsys):
    status = main(["--banner"], load=loader_without("pango"))

    assert status == 0
    assert capsys.readouterr().out == (
        "  PDFs:           unavailable, Pango, PangoFT2 missing."
        f" Install them with: apt-get install {DEBIAN_PACKAGES}\n"
    )


@pytest.mark.parametrize("arguments", [["--require"], [], ["--banner"]])
def test_it_says_nothing_when_every_library_loads(on_debian_as_root, capsys, arguments):
    assert main(arguments, load=loader_without()) == 0
    assert capsys.readouterr() == ("", "")


def test_it_names_the_packages_the_readme_lists_and_ci_installs():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    ci_packages = re.search(r"^packages=\((.*)\)$", (root / ".ci" / "run").read_text(), re.MULTILINE)

    assert f"`sudo apt-get install {DEBIAN_PACKAGES}`" in readme
    assert "`sudo dnf install pango dejavu-sans-fonts`" in readme
    assert "`brew install pango`" in readme
    assert ci_packages is not None
    assert set(DEBIAN_PACKAGES.split()) <= set(ci_packages.group(1).split())
    assert system_libraries.DEBIAN_PACKAGES == DEBIAN_PACKAGES
