"""What an invoice line keeps of its service: the names and explanations in every language as they read when the
line was written, so a bill reads the same years later whatever the catalogue says then. Pure: no database."""

from collections.abc import Mapping

from clinic_billing.languages import Localised, pick_localised

from .selectors import CatalogueEntry, ServiceWords


def texts_snapshot(entry: CatalogueEntry) -> dict[str, dict[str, str]]:
    """The JSON an invoice line stores: language -> {"name", "explanation"}."""
    return {language: {"name": words.name, "explanation": words.explanation} for language, words in entry.texts.items()}


def words_from_snapshot(
    texts: Mapping[str, Mapping[str, str]], *, language: str, default_name: str
) -> Localised[ServiceWords]:
    """A line's words for a reader of `language`: the snapshot's version (with the clinic-language fallback), or
    the line's own description when the line has no snapshot (a code the catalogue does not know)."""
    versions = {code: ServiceWords(text.get("name", ""), text.get("explanation", "")) for code, text in texts.items()}
    picked = pick_localised({code: words for code, words in versions.items() if words.name}, language)
    return picked or Localised(ServiceWords(default_name, ""), language, is_fallback=False)
