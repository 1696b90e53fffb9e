"""The translation catalogues are complete (no empty or fuzzy entries) and up to date with the code."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED_LANGUAGES = ("fr", "pt", "nb", "ru")
SHOWN = 30


def catalog_path(root: Path, language: str) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def load(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def key(message: Message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return message.context, msgid


def is_translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(strings)


def describe(offenders: list[str]) -> str:
    more = f"\n… and {len(offenders) - SHOWN} more" if len(offenders) > SHOWN else ""
    return "\n".join(offenders[:SHOWN]) + more


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_it_has_every_string_translated(language):
    catalog = load(catalog_path(ROOT, language))

    offenders = [
        f"{'fuzzy' if message.fuzzy else 'empty'}: {key(message)[1]!r}"
        for message in catalog
        if message.id and not is_translated(message)
    ]

    assert not offenders, f"{len(offenders)} untranslated strings in locale/{language}:\n{describe(offenders)}"


def test_it_has_catalogues_up_to_date_with_the_code(tmp_path):
    """Extract the strings from a copy of the project, as `make messages` would, and look each one up."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            "var",
            ".git",
            ".mypy_cache",
            ".ruff_cache",
            ".pytest_cache",
            ".hypothesis",
            "__pycache__",
            "tests",
            "vendor",
            "*.mo",
            "*.egg-info",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=tests",
            "--no-obsolete",
            "--verbosity=0",
        ],
        cwd=copy,
        # The copy has no tests/ package, so not the test settings: the project's own, as `make messages` uses.
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "clinic_billing.settings"},
        check=True,
        capture_output=True,
        timeout=120,
    )
    in_code = [key(message) for message in load(catalog_path(copy, "fr")) if message.id]
    catalogues = {language: load(catalog_path(ROOT, language)) for language in TRANSLATED_LANGUAGES}

    offenders = []
    for context, msgid in in_code:
        missing = [
            language
            for language, catalog in catalogues.items()
            if (message := catalog.get(msgid, context=context)) is None or not is_translated(message)
        ]
        if missing:
            offenders.append(f"{msgid!r} ({', '.join(missing)})")

    assert not offenders, (
        f"{len(offenders)} strings in the code lack a translation; run `make messages` and translate them:\n"
        f"{describe(offenders)}"
    )
