"""The catalogues follow docs/glossary: no translation uses a term the glossary forbids (issue 15, item 5).

Each glossary lists, per concept, the one term to use and the terms not to use; docs/glossary/README.md says
how this test reads them.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary"
TRANSLATED_LANGUAGES = ("fr", "pt", "nb", "ru")
BACKTICKED = re.compile(r"`([^`]+)`")
SHOWN = 30


@dataclass(frozen=True)
class Forbidden:
    term: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Glossary:
    forbidden: tuple[Forbidden, ...]
    # (term, piece of the msgid where the term is right)
    allowed: tuple[tuple[str, str], ...]


def term_pattern(term: str, *, case_sensitive: bool) -> re.Pattern[str]:
    body = re.escape(term.rstrip("*")) + (r"\w*" if term.endswith("*") else "")
    body = body.replace(r"\*", r"\w*")  # a `*` inside a phrase: "plan* platež*"
    return re.compile(rf"(?<!\w){body}(?!\w)", 0 if case_sensitive else re.IGNORECASE)


def table_rows(lines: list[str]) -> list[dict[str, str]]:
    """The rows of the first Markdown table in lines, as {header: cell}."""
    rows: list[list[str]] = []
    for line in lines:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    if len(rows) < 2:
        return []
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body if not set("".join(row)) <= set("-: ")]


def read_glossary(language: str) -> Glossary:
    text = (GLOSSARY / f"{language}.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    forbidden: list[Forbidden] = []
    allowed: list[tuple[str, str]] = []
    for section in sections:
        title, _newline, body = section.partition("\n")
        rows = table_rows(body.splitlines())
        if title.strip().lower().startswith("allowed exceptions"):
            for row in rows:
                term, where = (BACKTICKED.findall(row.get(key, "")) for key in ("Term", "In the msgid containing"))
                allowed.extend((one_term, piece) for one_term in term for piece in where)
            continue
        case_sensitive = "case-sensitive" in title.lower()
        for row in rows:
            for term in BACKTICKED.findall(row.get("Do not use", "")):
                forbidden.append(Forbidden(term, term_pattern(term, case_sensitive=case_sensitive)))
    return Glossary(tuple(forbidden), tuple(allowed))


def load(language: str) -> Catalog:
    with (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po)


def texts(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """An entry's strings: one, or the forms of a plural."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def breaches(glossary: Glossary, entries: list[tuple[str, str]]) -> list[str]:
    """Each (msgid, text) where the text uses a forbidden term the allow-list does not excuse."""
    found = []
    for msgid, text in entries:
        for rule in glossary.forbidden:
            if not rule.pattern.search(text):
                continue
            if any(term == rule.term and piece in msgid for term, piece in glossary.allowed):
                continue
            found.append(f"{rule.term!r} in {text[:100]!r} (msgid {msgid[:60]!r})")
    return found


def describe(offenders: list[str]) -> str:
    more = f"\n… and {len(offenders) - SHOWN} more" if len(offenders) > SHOWN else ""
    return "\n".join(offenders[:SHOWN]) + more


@pytest.mark.parametrize("language", ("en", *TRANSLATED_LANGUAGES))
def test_it_has_a_glossary_that_forbids_something_per_language(language):
    glossary = read_glossary(language)
    assert len(glossary.forbidden) >= 8, f"docs/glossary/{language}.md lists too few terms not to use"


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_it_keeps_every_translation_to_the_glossary(language):
    glossary = read_glossary(language)
    entries = [
        (texts(message.id)[0], text)
        for message in load(language)
        if message.id
        for text in texts(message.string)
        if text
    ]

    offenders = breaches(glossary, entries)

    assert not offenders, (
        f"{len(offenders)} translations in locale/{language} break docs/glossary/{language}.md:\n{describe(offenders)}"
    )


def test_it_keeps_the_english_source_strings_to_the_glossary():
    glossary = read_glossary("en")
    entries = [(msgid, msgid) for message in load("fr") if message.id for msgid in texts(message.id)]

    offenders = breaches(glossary, entries)

    assert not offenders, f"{len(offenders)} msgids break docs/glossary/en.md:\n{describe(offenders)}"


# French puts a space before « : ; ! ? » and it must not break: a PDF or a narrow screen otherwise starts a
# line with the colon. A plain space there is the mistake (U+00A0 before ":", U+202F before "; ! ?").
FRENCH_PLAIN_SPACE = re.compile(r" [:;!?](?=\s|$|\")")


def test_it_keeps_french_punctuation_off_the_start_of_a_line():
    offenders = [
        f"{text[:100]!r}"
        for message in load("fr")
        if message.id
        for text in texts(message.string)
        if FRENCH_PLAIN_SPACE.search(text)
    ]

    assert not offenders, (
        f"{len(offenders)} French translations put a breakable space before : ; ! ?:\n{describe(offenders)}"
    )


def test_it_finds_a_forbidden_term_as_a_word_and_with_its_endings():
    glossary = Glossary(
        forbidden=(Forbidden("regning*", term_pattern("regning*", case_sensitive=False)),),
        allowed=(("regning*", "Split bill"),),
    )
    entries = [
        ("Bill", "Regningen din"),
        ("Calculation", "Beregning av renter"),
        ("Split bill", "Del regningen"),
    ]

    assert breaches(glossary, entries) == ["'regning*' in 'Regningen din' (msgid 'Bill')"]


def test_it_matches_a_case_sensitive_term_only_in_that_case():
    pattern = term_pattern("вы", case_sensitive=True)

    assert pattern.search("Если это вы, подтвердите")
    assert not pattern.search("Если это Вы, подтвердите")


def clinic_texts(language: str) -> list[tuple[str, str]]:
    """The texts the clinic ships for patients beside the catalogues, in `language`: the service catalogue's
    names and explanations, and the default policy's rule names and scripts, each named by where it comes from."""
    from decimal import Decimal

    from catalogue.default_catalogue import TEXTS
    from disputes.default_policy import default_rules

    found = [(f"service {key}", text) for key, versions in TEXTS.items() for text in versions.get(language, ())]
    for number, rule in enumerate(default_rules(Decimal("300.00")), start=1):
        for field in ("names", "scripts"):
            versions = rule.get(field, {})
            assert isinstance(versions, dict)
            if versions.get(language):
                found.append((f"rule {number} {field}", versions[language]))
    return found


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_it_keeps_the_clinics_own_texts_to_the_glossary(language):
    entries = clinic_texts(language)
    assert len(entries) > 20  # the catalogue and the policy were both read

    offenders = breaches(read_glossary(language), entries)

    assert not offenders, f"{len(offenders)} shipped texts break docs/glossary/{language}.md:\n{describe(offenders)}"
