"""docs/security.md names, for each control, the tests that prove it: every named test file and test exists."""

import re
from pathlib import Path

from django.conf import settings

DOC = Path(settings.BASE_DIR) / "docs" / "security.md"
# `tests/x.py` or `tests/x.py::test_name`, and the `::test_other` shorthand for the same file after it.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)?)`|`::(\w+)`")


def references() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    last_file = ""
    for path, name, shorthand in REFERENCE.findall(DOC.read_text(encoding="utf-8")):
        if path:
            last_file = path
            found.append((path, name.removeprefix("::")))
        else:
            found.append((last_file, shorthand))
    return found


def test_the_security_page_names_tests():
    assert len(references()) > 40


def test_every_test_the_security_page_names_exists():
    base = Path(settings.BASE_DIR)
    missing = []
    for path, name in references():
        source = base / path
        if not source.exists():
            missing.append(path)
        elif name and not re.search(rf"^(async )?def {name}\(", source.read_text(encoding="utf-8"), re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []
