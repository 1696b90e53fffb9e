"""Every fixed text of a letter goes through Django's translation (issue 15, item 2).

The clinic edits no letter templates (none is stored in the database): the letters, notices and e-mails are
files, so each sentence in them must be inside {% translate %} or {% blocktranslate %} to reach the patient in
their language. The exceptions are legal titles Norwegian law names in Norwegian, printed beside a translated
subtitle.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

LETTER_TEMPLATES = sorted(
    path
    for folder in ("pdf", "notices", "portal/email")
    for path in (Path(settings.BASE_DIR) / "templates" / folder).glob("*")
    if path.suffix in {".html", ".txt"}
)
# Names of Norwegian legal notices (inkassoloven § 9, tvisteloven § 5-2), kept in Norwegian on purpose.
NORWEGIAN_LEGAL_TITLES = ("VARSEL OM INKASSO", "Varsel om inkasso", "Tvistevarsel")


def untranslated_words(source: str) -> list[str]:
    """The words a template prints outside translation tags, template variables, markup and style sheets."""
    for pattern in (
        r"\{%\s*block (styles|body_attributes)\s*%\}.*?\{%\s*endblock\s*%\}",  # CSS and HTML attributes
        r"\{%\s*(blocktranslate|blocktrans)\b.*?\{%\s*end\1\s*%\}",
        r"\{#.*?#\}",
        r"\{%.*?%\}",
        r"\{\{.*?\}\}",
        r"<style\b.*?</style>",
        r"<[^>]+>",
        *(re.escape(title) for title in NORWEGIAN_LEGAL_TITLES),
    ):
        source = re.sub(pattern, " ", source, flags=re.DOTALL)
    return re.findall(r"[^\W\d_]{2,}", source)


def test_it_finds_the_letter_templates():
    names = {path.name for path in LETTER_TEMPLATES}
    assert {"resolution_letter.html", "_resolution_body.html", "notice.html", "reminder.txt"} <= names


@pytest.mark.parametrize("path", LETTER_TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_it_prints_no_fixed_text_outside_translation(path):
    assert untranslated_words(path.read_text(encoding="utf-8")) == []


def test_it_catches_a_sentence_left_out_of_translation():
    source = '{% load i18n %}<p>{% translate "Dear patient" %}</p><p>Kind regards</p>{{ clinic.name }}'
    assert untranslated_words(source) == ["Kind", "regards"]
