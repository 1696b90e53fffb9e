"""Texts the clinic writes in several languages, read in the reader's language with a visible fallback.

A service's name, a rule's script or a letter may exist in some of the clinic's languages only. The reader gets
their own language when it exists, else the clinic's language (settings.CLINIC_LANGUAGE), else whichever version
there is: never an empty line. `is_fallback` lets a page say so, and lets staff screens show what is missing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings

T = TypeVar("T")


def clinic_language() -> str:
    """The language the clinic writes in first, and every text falls back to."""
    return str(settings.CLINIC_LANGUAGE)


def language_codes() -> list[str]:
    """Every language the product speaks, in the order of settings.LANGUAGES."""
    return [code for code, _name in settings.LANGUAGES]


@dataclass(frozen=True)
class Localised(Generic[T]):
    value: T
    language: str  # the language `value` is written in
    is_fallback: bool  # True when the reader asked for another language


def pick_localised(versions: Mapping[str, T], language: str) -> Localised[T] | None:
    """The version of a text for a reader of `language`: theirs, else the clinic's, else the first there is (in
    the order of settings.LANGUAGES). None only when there is no version at all."""
    base = language.split("-")[0]
    for candidate in (base, clinic_language(), *language_codes(), *versions.keys()):
        if candidate in versions:
            return Localised(versions[candidate], candidate, is_fallback=candidate != base)
    return None


def missing_languages(present: set[str]) -> list[str]:
    """The product's languages a text has no version in yet (the staff screens' missing-translation indicator)."""
    return [code for code in language_codes() if code not in present]
