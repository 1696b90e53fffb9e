"""A proxy's relationship reads in the reader's language when it is one the clinic knows (issue 15: "son" on a
Norwegian page)."""

import pytest
from django.utils import translation

from patients.models import AuthorisedProxy


@pytest.mark.parametrize(
    ("typed", "language", "expected"),
    [
        ("son", "nb", "sønn"),
        ("Son", "ru", "сын"),
        ("my daughter", "fr", "fille"),
        ("husband", "pt", "marido"),
        ("carer", "en", "carer"),
    ],
)
def test_it_translates_a_known_relationship(typed, language, expected) -> None:
    with translation.override(language):
        assert AuthorisedProxy(relationship=typed).relationship_display == expected


def test_it_shows_a_relationship_it_does_not_know_as_typed() -> None:
    with translation.override("nb"):
        assert AuthorisedProxy(relationship="nabo og venn").relationship_display == "nabo og venn"
